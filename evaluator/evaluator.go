package evaluator

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Evaluator runs quality gates: it retrieves the SLIs an SLO needs and
// scores them.
type Evaluator struct {
	Querier Querier
	// Concurrency bounds the queries of one evaluation. Default 4.
	Concurrency int
	// Now stamps records. Default time.Now.
	Now func() time.Time
}

// Request is one evaluation.
type Request struct {
	Placeholders
	// SLO is the parsed SLO; SLOSource the file it came from.
	SLO       *SLO
	SLOSource SLOSource
	// Indicators are the SLI queries in force, by name.
	Indicators map[string]string
	// History is the earlier evaluations, newest first.
	History []Previous
}

// Evaluate retrieves every SLI the SLO names, at the end of the window,
// and scores them. A query that cannot be built or answered becomes a
// failed value with the reason (one line, at most [MaxReasonLength]
// bytes); it never passes.
func (e *Evaluator) Evaluate(ctx context.Context, req Request) *Record {
	queries, values := e.retrieve(ctx, req)
	r := Score(req.SLO, values, req.History)
	r.Queries = queries
	r.SLO = req.SLOSource
	r.Window = req.Window
	r.Project, r.Stage, r.Service = req.Project, req.Stage, req.Service
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	r.EvaluatedAt = now().UTC()
	return r
}

func (e *Evaluator) retrieve(ctx context.Context, req Request) (map[string]string, map[string]Value) {
	queries := map[string]string{}
	values := map[string]Value{}
	var todo []string
	for _, name := range req.SLO.SLIs() {
		raw, ok := req.Indicators[name]
		if !ok {
			values[name] = Value{Err: fmt.Sprintf("no query for sli %q in any sli.yaml", name)}
			continue
		}
		q, err := req.Substitute(raw)
		queries[name] = q
		if err != nil {
			values[name] = Value{Err: err.Error()}
			continue
		}
		todo = append(todo, name)
	}
	sort.Strings(todo)
	n := e.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := e.Querier.Query(ctx, queries[name], req.Window.End)
			v := Value{Value: f}
			if err != nil {
				v = Value{Err: reason(err.Error())}
			}
			mu.Lock()
			values[name] = v
			mu.Unlock()
		}()
	}
	wg.Wait()
	return queries, values
}
