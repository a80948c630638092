package renderer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// The worker protocol: a child started with workerEnv=workerProtocol in
// its environment reads a gob workerRequest on stdin and exits with one of
// these codes; on exitOK its stdout holds the manifests, on exitFailed its
// stderr holds the reason.
const (
	workerEnv      = "FERRY_INTERNAL_RENDER_WORKER"
	workerProtocol = "1"

	exitOK       = 0
	exitFailed   = 3
	exitTooLarge = 4
)

// maxWorkerStderr bounds what is kept of a worker's stderr: a crashing
// runtime prints every goroutine's stack.
const maxWorkerStderr = 64 << 10

// waitDelay bounds how long Wait waits for a killed worker's pipes.
const waitDelay = 2 * time.Second

// MaybeServeWorker serves a render and exits when this process was started
// as a render worker; otherwise it records that children of this
// executable can serve renders, and returns. Call it first thing in main,
// and in the TestMain of packages whose tests render in a worker:
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
		os.Exit(exitFailed)
	}
}

// serveWorker is the worker's side: decode, limit itself, render, write.
func serveWorker(stdin io.Reader, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		_, _ = fmt.Fprintln(stderr, err)
		return exitFailed
	}
	req, err := readRequest(stdin)
	if err != nil {
		return fail(err)
	}
	runtime.GOMAXPROCS(1)
	debug.SetMemoryLimit(req.MaxMemory)
	if err := limitAddressSpace(req.MaxMemory); err != nil {
		return fail(fmt.Errorf("limit the render worker's memory: %w", err))
	}
	out, err := renderHelm(&req.Request)
	if err != nil {
		return fail(err)
	}
	if int64(len(out)) > req.MaxOutput {
		return exitTooLarge
	}
	if _, err := stdout.Write(out); err != nil {
		return fail(fmt.Errorf("write the manifests: %w", err))
	}
	return exitOK
}

func readRequest(stdin io.Reader) (*workerRequest, error) {
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("read the render request: %w", err)
	}
	return decodeRequest(data)
}

// renderInWorker runs one render in a child process of this executable,
// killed when opts.Timeout is up or ctx is done.
func renderInWorker(ctx context.Context, req *Request, opts Options) ([]byte, error) {
	data, err := encodeRequest(&workerRequest{Request: *req, MaxOutput: opts.MaxOutput, MaxMemory: opts.MaxMemory})
	if err != nil {
		return nil, err
	}
	exe, err := executable()
	if err != nil {
		return nil, fmt.Errorf("start the render worker: %w", err)
	}
	tctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, exe)
	cmd.Env = append(environ(), workerEnv+"="+workerProtocol)
	cmd.Stdin = bytes.NewReader(data)
	stderr := &cappedBuffer{max: maxWorkerStderr}
	cmd.Stderr = stderr
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = waitDelay
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the render worker: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the render worker: %w", err)
	}
	if workerStarted != nil {
		workerStarted(cmd.Process.Pid)
	}
	out, readErr := io.ReadAll(io.LimitReader(stdout, opts.MaxOutput+1))
	tooLarge := int64(len(out)) > opts.MaxOutput
	if tooLarge {
		cancel()
	}
	waitErr := cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("render canceled: %w", ctx.Err())
	case tooLarge:
		return nil, tooLargeError(opts.MaxOutput)
	case waitErr == nil && readErr == nil:
		return out, nil
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return nil, timeoutError(opts.Timeout)
	}
	return nil, workerError(waitErr, readErr, stderr.String(), opts)
}

// workerError explains how a worker ended that did not render.
func workerError(waitErr, readErr error, stderr string, opts Options) error {
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		if waitErr == nil {
			waitErr = readErr
		}
		return fmt.Errorf("the render worker failed: %w", waitErr)
	}
	stderr = strings.TrimSpace(stderr)
	switch {
	case ee.ExitCode() == exitFailed && stderr != "":
		return errors.New(stderr)
	case ee.ExitCode() == exitTooLarge:
		return tooLargeError(opts.MaxOutput)
	case outOfMemory(stderr):
		return outOfMemoryError(opts.MaxMemory)
	}
	first, _, _ := strings.Cut(stderr, "\n")
	if first == "" {
		return fmt.Errorf("the render worker failed: %w", waitErr)
	}
	return fmt.Errorf("the render worker failed: %w: %s", waitErr, first)
}

// outOfMemory reports whether a worker's stderr is the Go runtime's
// report of an allocation refused by the limits.
func outOfMemory(stderr string) bool {
	for _, s := range []string{"out of memory", "cannot allocate memory", "failed to create new OS thread"} {
		if strings.Contains(stderr, s) {
			return true
		}
	}
	return false
}

// environ is this process's environment without the worker marker.
func environ() []string {
	env := os.Environ()
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, workerEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// workerStarted, when set by tests, learns the pid of each worker.
var workerStarted func(pid int)

// cappedBuffer keeps the first max bytes written to it and drops the rest.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
