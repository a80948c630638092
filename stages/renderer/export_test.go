package renderer

import "context"

// RenderHelm renders without limits nor encoding, for comparison.
var RenderHelm = renderHelm

// RenderInProcess renders as Render does when main did not call
// MaybeServeWorker.
func RenderInProcess(ctx context.Context, req *Request, opts Options) ([]byte, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	return renderInProcess(ctx, req, opts)
}

// SetWorkerStarted makes f learn the pid of each worker started.
func SetWorkerStarted(f func(pid int)) { workerStarted = f }

// CloseIdleWorkers stops the idle workers and waits for them to exit.
func CloseIdleWorkers() { workers.closeIdle() }
