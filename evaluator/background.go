package evaluator

import (
	"context"
	"sync"
	"time"
)

// DefaultBackgroundTimeout bounds one evaluation run by [Background].
const DefaultBackgroundTimeout = 2 * time.Minute

// Background runs evaluations in goroutines of their own, so that a slow or
// hung SLI source delays only the gates that query it: a caller asks for a
// gate's record, waits for it a little, and comes back later when it is not
// ready. The zero Background is ready to use; it is safe for concurrent
// use. It holds nothing Git does not: a record not yet taken is simply
// evaluated again after a restart.
type Background struct {
	// Timeout bounds each evaluation; default DefaultBackgroundTimeout.
	// Queries still running then fail with the reason, and the record says
	// so.
	Timeout time.Duration
	// Done, when set, is called when an evaluation finishes.
	Done func()

	mu   sync.Mutex
	jobs map[string]*job
}

type job struct {
	done    chan struct{}
	rec     *Record
	started time.Time
}

// Evaluate returns the record of the evaluation named key, starting it
// with e and the request build returns the first time (build is not
// called while the evaluation runs), and waiting for it until wait is
// done. ok is false while it still runs; call again with the same key
// later. A record is handed out once.
func (b *Background) Evaluate(key string, e *Evaluator, build func() (Request, error), wait <-chan struct{}) (rec *Record, ok bool, err error) {
	j, err := b.start(key, e, build)
	if err != nil {
		return nil, false, err
	}
	select {
	case <-j.done:
	case <-wait:
		return nil, false, nil
	}
	b.mu.Lock()
	delete(b.jobs, key)
	b.mu.Unlock()
	return j.rec, true, nil
}

func (b *Background) start(key string, e *Evaluator, build func() (Request, error)) (*job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = DefaultBackgroundTimeout
	}
	if b.jobs == nil {
		b.jobs = map[string]*job{}
	}
	for k, j := range b.jobs { // records nobody came back for
		if time.Since(j.started) > 2*timeout {
			delete(b.jobs, k)
		}
	}
	if j, ok := b.jobs[key]; ok {
		return j, nil
	}
	req, err := build()
	if err != nil {
		return nil, err
	}
	j := &job{done: make(chan struct{}), started: time.Now()}
	b.jobs[key] = j
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		j.rec = e.Evaluate(ctx, req)
		close(j.done)
		if b.Done != nil {
			b.Done()
		}
	}()
	return j, nil
}
