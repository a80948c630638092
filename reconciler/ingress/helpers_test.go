package ingress_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// statusLoop is the part of the reconcile loop the endpoints feed, over a
// real repository: reports are written to ferry/status with status.Record
// and status.RecordAll, as the reconciler writes them.
type statusLoop struct {
	dir   string
	store *gitstore.Store
	// delay is added before every write (a slow push).
	delay time.Duration
	// projects reads the project at a commit for Wait; nil: none reads.
	projects event.ProjectAt

	mu       sync.Mutex
	triggers int
	records  int
}

var _ ingress.Loop = (*statusLoop)(nil)

func newStatusLoop(tb testing.TB) *statusLoop {
	tb.Helper()
	dir := gittest.InitBare(tb)
	srv := gittest.NewInProcess(tb, dir)
	store, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(tb.TempDir(), "state")})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = store.Close() })
	return &statusLoop{dir: dir, store: store}
}

func (l *statusLoop) Record(ctx context.Context, rep *status.Report) error {
	return l.RecordAll(ctx, []*status.Report{rep})
}

func (l *statusLoop) RecordAll(ctx context.Context, reps []*status.Report) error {
	l.mu.Lock()
	l.records++
	l.mu.Unlock()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(l.delay):
	}
	return status.RecordAll(ctx, l.store, reps, time.Now())
}

func (l *statusLoop) Trigger() {
	l.mu.Lock()
	l.triggers++
	l.mu.Unlock()
}

func (l *statusLoop) counts() (records, triggers int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.records, l.triggers
}

func (l *statusLoop) Wait(run string) (*event.Wait, error) {
	at := l.projects
	if at == nil {
		at = func(gitstore.Hash) (*stages.Project, error) { return nil, gitstore.ErrNotFound }
	}
	return event.Find(l.store, at, run)
}

func (l *statusLoop) Ready() (bool, string) { return true, "" }
func (l *statusLoop) StagePrefix() string   { return gitstore.DefaultStagePrefix }

func (l *statusLoop) AlertLabels() stages.AlertConfig {
	return stages.AlertConfig{ServiceLabel: "service", StageLabel: "stage", ProblemLabel: "alertname"}
}

// commits counts the commits on ferry/status.
func (l *statusLoop) commits(tb testing.TB) int {
	tb.Helper()
	out, err := gittest.TryGit(l.dir, "rev-list", "--count", "refs/heads/ferry/status")
	if err != nil {
		return 0
	}
	var n int
	if _, err := fmt.Sscan(out, &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// reports lists the report files on ferry/status.
func (l *statusLoop) reports(tb testing.TB) []string {
	tb.Helper()
	out, err := gittest.TryGit(l.dir, "ls-tree", "--name-only", "refs/heads/ferry/status", "reports/")
	if err != nil || out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// serve serves the endpoints of l with opts on a real listener, as ferry
// run does.
func serve(tb testing.TB, l ingress.Loop, opts ingress.ServerOptions) *httptest.Server {
	tb.Helper()
	srv := httptest.NewUnstartedServer(ingress.Handler(l, opts))
	srv.Config = ingress.NewServer("", ingress.Handler(l, opts))
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}
