package renderer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Workers are started on demand and kept for the next render: starting
// one costs the runtime's and Helm's initialisation (50-150 ms), a render
// in a started one about a millisecond. A worker that overran a limit,
// crashed or was cancelled is killed and never reused.
const (
	// workerName is a worker's argv[0], as ps shows it.
	workerName = "ferry-render-worker"
	// maxIdleWorkers are kept between renders; more are stopped.
	maxIdleWorkers = 2
	// idleTimeout stops a worker that has not rendered for that long.
	idleTimeout = time.Minute
	// maxRendersPerWorker bounds what one worker renders before it is
	// replaced, and with it whatever a render may leave behind.
	maxRendersPerWorker = 100
	// maxWorkerStderr bounds what is kept of a worker's stderr: a
	// crashing runtime prints every goroutine's stack.
	maxWorkerStderr = 64 << 10
	// closeTimeout bounds how long a worker has to exit once its stdin
	// is closed; waitDelay how long Wait waits for a killed one's pipes.
	closeTimeout = 5 * time.Second
	waitDelay    = 2 * time.Second
)

// workers are this process's render workers.
var workers pool

// pool holds the idle workers.
type pool struct {
	mu   sync.Mutex
	idle []*worker
}

// worker is one render worker process.
type worker struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stdout  *bufio.Reader
	stderr  *cappedBuffer
	memory  int64 // its MaxMemory
	renders int
	idle    *time.Timer // stops it while it is idle

	waitOnce sync.Once
	waitErr  error
}

// renderInWorker runs one render in a worker, which is killed when
// opts.Timeout is up or ctx is done.
func renderInWorker(ctx context.Context, req *Request, opts Options) ([]byte, error) {
	data, err := encodeRequest(&workerRequest{Request: *req, MaxOutput: opts.MaxOutput, MaxMemory: opts.MaxMemory})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render canceled: %w", err)
	}
	tctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	w, err := workers.get(opts.MaxMemory)
	if err != nil {
		return nil, fmt.Errorf("start a render worker: %w", err)
	}
	stop := context.AfterFunc(tctx, w.kill)
	kind, answer, err := w.exchange(data, opts.MaxOutput)
	if stop() && err == nil && validAnswer(kind) {
		workers.put(w)
		return answerOf(kind, answer, opts)
	}
	w.kill()
	waitErr := w.wait()
	switch {
	case err == nil && validAnswer(kind):
		// Answered as the time ran out: the answer stands.
		return answerOf(kind, answer, opts)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("render canceled: %w", ctx.Err())
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return nil, timeoutError(opts.Timeout)
	case errors.Is(err, errFrameTooLarge) && kind == frameManifests:
		return nil, tooLargeError(opts.MaxOutput)
	case err == nil:
		err = fmt.Errorf("unknown answer %q", kind)
	}
	return nil, workerError(waitErr, err, w.stderr.String(), opts)
}

func validAnswer(kind byte) bool {
	return kind == frameManifests || kind == frameError || kind == frameTooLarge
}

func answerOf(kind byte, answer []byte, opts Options) ([]byte, error) {
	switch kind {
	case frameError:
		return nil, errors.New(string(answer))
	case frameTooLarge:
		return nil, tooLargeError(opts.MaxOutput)
	}
	return answer, nil
}

// workerError explains how a worker ended that did not answer.
func workerError(waitErr, err error, stderr string, opts Options) error {
	stderr = strings.TrimSpace(stderr)
	if outOfMemory(stderr) {
		return outOfMemoryError(opts.MaxMemory)
	}
	if waitErr == nil {
		waitErr = err
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

// get returns an idle worker with this memory limit, or starts one.
func (p *pool) get(memory int64) (*worker, error) {
	p.mu.Lock()
	for i := len(p.idle) - 1; i >= 0; i-- {
		w := p.idle[i]
		if w.memory != memory {
			continue
		}
		p.idle = append(p.idle[:i], p.idle[i+1:]...)
		if w.idle.Stop() {
			p.mu.Unlock()
			return w, nil
		}
		// Its idle timer fired: it is being stopped.
	}
	p.mu.Unlock()
	return startWorker(memory)
}

// put keeps a worker that answered for the next render.
func (p *pool) put(w *worker) {
	w.renders++
	if w.renders >= maxRendersPerWorker {
		go w.close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle) >= maxIdleWorkers {
		old := p.idle[0]
		p.idle = p.idle[1:]
		if old.idle.Stop() {
			go old.close()
		}
	}
	w.idle = time.AfterFunc(idleTimeout, func() {
		p.remove(w)
		w.close()
	})
	p.idle = append(p.idle, w)
}

func (p *pool) remove(w *worker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return
		}
	}
}

// closeIdle stops the idle workers and waits for them to exit.
func (p *pool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, w := range idle {
		if w.idle.Stop() {
			w.close()
		}
	}
}

func startWorker(memory int64) (*worker, error) {
	exe, err := executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Args = []string{workerName}
	cmd.Env = append(environ(), workerEnv+"="+workerProtocol, memoryEnv+"="+strconv.FormatInt(memory, 10))
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = waitDelay
	w := &worker{cmd: cmd, memory: memory, stderr: &cappedBuffer{max: maxWorkerStderr}}
	cmd.Stderr = w.stderr
	if w.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	w.stdout = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if workerStarted != nil {
		workerStarted(cmd.Process.Pid)
	}
	return w, nil
}

// exchange sends a request and reads the answer.
func (w *worker) exchange(data []byte, maxOutput int64) (kind byte, answer []byte, err error) {
	if err := writeFrame(w.stdin, frameRequest, data); err != nil {
		return 0, nil, fmt.Errorf("send the request: %w", err)
	}
	kind, answer, err = readFrame(w.stdout, max(maxOutput, maxErrorFrame))
	if err != nil {
		return kind, nil, fmt.Errorf("read the answer: %w", noEOF(err))
	}
	if kind == frameManifests && int64(len(answer)) > maxOutput {
		return kind, nil, fmt.Errorf("read the answer: %w", errFrameTooLarge)
	}
	return kind, answer, nil
}

// kill ends the worker at once; it may run more than once.
func (w *worker) kill() { _ = w.cmd.Process.Kill() }

// wait reaps the worker once and returns how it ended.
func (w *worker) wait() error {
	w.waitOnce.Do(func() { w.waitErr = w.cmd.Wait() })
	return w.waitErr
}

// close asks the worker to exit by closing its stdin, kills it if it does
// not within closeTimeout, and reaps it.
func (w *worker) close() {
	_ = w.stdin.Close()
	t := time.AfterFunc(closeTimeout, w.kill)
	_ = w.wait()
	t.Stop()
}

// environ is this process's environment without the worker's variables.
func environ() []string {
	env := os.Environ()
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, workerEnv+"=") && !strings.HasPrefix(kv, memoryEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// workerStarted, when set by tests, learns the pid of each worker.
var workerStarted func(pid int)

// cappedBuffer keeps the first max bytes written to it and drops the rest.
// Read it only after the worker was reaped.
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
