package renderer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
)

// The worker protocol. A child started with workerEnv=workerProtocol and
// memoryEnv=<bytes> in its environment limits its memory, then serves
// renders until its stdin ends: each request is a frame of kind
// frameRequest holding a gob workerRequest, each answer one frame of kind
// frameManifests, frameError (the reason, as text) or frameTooLarge.
// A frame is its kind (one byte), its length (8 bytes, big-endian) and as
// many bytes.
const (
	workerEnv      = "FERRY_INTERNAL_RENDER_WORKER"
	memoryEnv      = "FERRY_INTERNAL_RENDER_MEMORY"
	workerProtocol = "2"

	frameRequest   byte = 'R'
	frameManifests byte = 'M'
	frameError     byte = 'E'
	frameTooLarge  byte = 'L'
)

// maxErrorFrame bounds the reason of a failed render, as read.
const maxErrorFrame = 64 << 10

// MaybeServeWorker serves renders and exits when this process was started
// as a render worker; otherwise it records that children of this
// executable can serve renders, and returns. Call it first thing in main,
// and in the TestMain of packages whose tests render in workers:
//
//	func main() {
//		renderer.MaybeServeWorker()
//		...
//	}
func MaybeServeWorker() {
	switch os.Getenv(workerEnv) {
	case "":
		dispatching.Store(true)
		return
	case workerProtocol:
		os.Exit(serveWorker(os.Stdin, os.Stdout, os.Stderr))
	default:
		_, _ = fmt.Fprintf(os.Stderr, "render worker protocol %q, want %q\n", os.Getenv(workerEnv), workerProtocol)
		os.Exit(2)
	}
}

// serveWorker is the worker's side: limit itself, then render each
// request until stdin ends. A worker runs on one CPU.
func serveWorker(stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		_, _ = fmt.Fprintln(stderr, err)
		return 2
	}
	mem, err := strconv.ParseInt(os.Getenv(memoryEnv), 10, 64)
	if err != nil || mem <= 0 {
		return fail(fmt.Errorf("render worker: %s=%q is not a memory limit", memoryEnv, os.Getenv(memoryEnv)))
	}
	runtime.GOMAXPROCS(1)
	debug.SetMemoryLimit(mem)
	if err := limitAddressSpace(mem); err != nil {
		return fail(fmt.Errorf("limit the render worker's memory: %w", err))
	}
	in, out := bufio.NewReader(stdin), bufio.NewWriter(stdout)
	for {
		kind, data, err := readFrame(in, 1<<62)
		if errors.Is(err, io.EOF) {
			return 0
		}
		if err != nil || kind != frameRequest {
			return fail(fmt.Errorf("read a render request: kind %q: %w", kind, err))
		}
		kind, data = serveRequest(data)
		if err := writeFrame(out, kind, data); err != nil {
			return fail(fmt.Errorf("write the manifests: %w", err))
		}
		if err := out.Flush(); err != nil {
			return fail(fmt.Errorf("write the manifests: %w", err))
		}
		giveBackMemory()
	}
}

// largeHeap is the heap a worker gives back to the system at once after a
// render; a smaller one the runtime's scavenger gives back in time.
const largeHeap = 64 << 20

// giveBackMemory returns a large render's memory to the system before the
// worker waits for the next request. It costs a collection (a few
// milliseconds), so a small heap is left to the scavenger.
func giveBackMemory() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if m.HeapSys-m.HeapReleased > largeHeap {
		debug.FreeOSMemory()
	}
}

// serveRequest renders one request into an answer frame.
func serveRequest(data []byte) (kind byte, answer []byte) {
	req, err := decodeRequest(data)
	if err != nil {
		return frameError, []byte(err.Error())
	}
	out, err := renderHelm(&req.Request)
	switch {
	case err != nil:
		return frameError, []byte(err.Error())
	case int64(len(out)) > req.MaxOutput:
		return frameTooLarge, nil
	}
	return frameManifests, out
}

func writeFrame(w io.Writer, kind byte, data []byte) error {
	var head [9]byte
	head[0] = kind
	binary.BigEndian.PutUint64(head[1:], uint64(len(data)))
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// errFrameTooLarge: a frame is longer than the reader accepts.
var errFrameTooLarge = errors.New("frame too large")

// readFrame reads one frame of at most max bytes; io.EOF means there was
// none.
func readFrame(r io.Reader, max int64) (kind byte, data []byte, err error) {
	var head [9]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint64(head[1:])
	if n > uint64(max) {
		return head[0], nil, errFrameTooLarge
	}
	data = make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return head[0], nil, fmt.Errorf("read a frame: %w", noEOF(err))
	}
	return head[0], data, nil
}

// noEOF turns the end of input in the middle of a frame into an error.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
