package renderer

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// dispatching records that this process's main called MaybeServeWorker,
// so a child started from the same executable serves the worker.
var dispatching atomic.Bool

// Render renders a chart under the limits of opts (zero fields mean the
// defaults): in a worker process when the process's main called
// MaybeServeWorker, in-process otherwise (see the package documentation).
// A render over a limit fails with an error matching ErrTimeout,
// ErrTooLarge or ErrOutOfMemory whose message names the limit, such as
// "the chart did not render within 30s"; a chart that does not render
// fails with Helm's reason. The caller's ctx stops the render too.
func Render(ctx context.Context, req *Request, opts Options) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if dispatching.Load() {
		return renderInWorker(ctx, req, opts)
	}
	return renderInProcess(ctx, req, opts)
}

// workerRequest is what a worker reads on its stdin.
type workerRequest struct {
	Request   Request
	MaxOutput int64
	MaxMemory int64
}

var registerOnce sync.Once

// registerValueTypes names for gob the types that YAML values decode to
// and that Go code merging them (overrides) produces.
func registerValueTypes() {
	registerOnce.Do(func() {
		gob.Register(map[string]any{})
		gob.Register(map[any]any{})
		gob.Register([]any{})
		gob.Register(time.Time{})
	})
}

func encodeRequest(req *workerRequest) ([]byte, error) {
	registerValueTypes()
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(req); err != nil {
		return nil, fmt.Errorf("encode the values of %s: %w", req.Request.Release, err)
	}
	return b.Bytes(), nil
}

func decodeRequest(data []byte) (*workerRequest, error) {
	registerValueTypes()
	var req workerRequest
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&req); err != nil {
		return nil, fmt.Errorf("decode the render request: %w", err)
	}
	return &req, nil
}

// renderInProcess renders in a goroutine and waits for it at most
// opts.Timeout. The request goes through the worker's encoding, so that
// the values a chart sees are the same on both paths. A goroutine that
// overruns is abandoned: Helm's engine cannot be stopped.
func renderInProcess(ctx context.Context, req *Request, opts Options) ([]byte, error) {
	data, err := encodeRequest(&workerRequest{Request: *req, MaxOutput: opts.MaxOutput, MaxMemory: opts.MaxMemory})
	if err != nil {
		return nil, err
	}
	wr, err := decodeRequest(data)
	if err != nil {
		return nil, err
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("the chart's templates panicked: %v", p)}
			}
			done <- r
		}()
		r.out, r.err = renderHelm(&wr.Request)
	}()
	timer := time.NewTimer(opts.Timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err == nil && int64(len(r.out)) > opts.MaxOutput {
			return nil, tooLargeError(opts.MaxOutput)
		}
		return r.out, r.err
	case <-timer.C:
		return nil, timeoutError(opts.Timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("render canceled: %w", ctx.Err())
	}
}
