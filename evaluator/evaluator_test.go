package evaluator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/internal/promserver"
)

// countingQuerier answers every query with 1 after a pause and records
// how many queries ran at once.
type countingQuerier struct {
	inFlight, max atomic.Int64
	mu            sync.Mutex
	queries       []string
}

func (q *countingQuerier) Query(_ context.Context, query string, _ time.Time) (float64, error) {
	n := q.inFlight.Add(1)
	for {
		m := q.max.Load()
		if n <= m || q.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(20 * time.Millisecond)
	q.inFlight.Add(-1)
	q.mu.Lock()
	q.queries = append(q.queries, query)
	q.mu.Unlock()
	return 1, nil
}

func TestQueriesRunConcurrentlyWithinTheBound(t *testing.T) {
	var src strings.Builder
	src.WriteString("spec_version: '1.0'\nobjectives:\n")
	indicators := map[string]string{}
	for i := range 12 {
		fmt.Fprintf(&src, "  - sli: s%d\n    pass: [{criteria: ['<=1']}]\n", i)
		indicators[fmt.Sprintf("s%d", i)] = fmt.Sprintf("q%d", i)
	}
	src.WriteString("total_score: {pass: '90%'}\n")
	q := &countingQuerier{}
	e := &evaluator.Evaluator{Querier: q, Concurrency: 3}
	r := e.Evaluate(context.Background(), evaluator.Request{SLO: parseSLO(t, src.String()), Indicators: indicators})
	if r.Result != "pass" || len(q.queries) != 12 {
		t.Fatalf("%s after %d queries", r.Result, len(q.queries))
	}
	if m := q.max.Load(); m != 3 {
		t.Errorf("at most %d queries ran at once, want exactly the bound 3", m)
	}
}

func TestPrometheusCredentialsFromFiles(t *testing.T) {
	prom := startProm(t, promserver.Options{})
	backend, _ := url.Parse(prom.URL)
	var seen atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		httputil.NewSingleHostReverseProxy(backend).ServeHTTP(w, r)
	}))
	defer proxy.Close()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: proxy.URL, BearerTokenFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := q.Query(context.Background(), "vector(7)", t0); err != nil || v != 7 {
		t.Errorf("with the token: %v, %v", v, err)
	}
	if err := os.WriteFile(file, []byte("rotated"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = q.Query(context.Background(), "vector(7)", t0)
	if err == nil || seen.Load() != "Bearer rotated" {
		t.Errorf("a rotated token is read again and refused: %v (sent %v)", err, seen.Load())
	}
	if _, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: proxy.URL, BearerTokenFile: file, BasicAuthPasswordFile: file}); err == nil {
		t.Error("bearer token and basic auth together accepted")
	}
}
