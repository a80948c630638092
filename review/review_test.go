package review_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/ferrycd/ferry/forge"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/review"
)

// forgeState is a forge's pull request 1 into main as the reviewer sees
// it, with failures to inject: what the real forges cannot be made to do
// on demand (the happy path runs against a real Gitea in the reconciler's
// and ferry run's tests).
type forgeState struct {
	mu         sync.Mutex
	head       string
	comments   []forge.Comment
	statuses   []forge.Status
	failStatus int // the next n SetStatus calls fail
}

func (f *forgeState) User(context.Context) (string, error) { return "ferry-bot", nil }

func (f *forgeState) OpenInto(_ context.Context, base string) ([]forge.Change, error) {
	return []forge.Change{{Number: 1, URL: "https://forge.example.com/pulls/1", Head: "tighten", HeadSHA: f.head, Ref: "refs/pull/1/head"}}, nil
}

func (f *forgeState) FindComment(_ context.Context, _ int, author, marker string) (forge.Comment, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.comments {
		if strings.HasPrefix(c.Body, marker) {
			return c, true, nil
		}
	}
	return forge.Comment{}, false, nil
}

func (f *forgeState) AddComment(_ context.Context, _ int, body string) (forge.Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := forge.Comment{ID: int64(len(f.comments) + 1), Body: body}
	f.comments = append(f.comments, c)
	return c, nil
}

func (f *forgeState) EditComment(_ context.Context, _ int, id int64, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments[id-1].Body = body
	return nil
}

func (f *forgeState) SetStatus(_ context.Context, sha string, s forge.Status) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failStatus > 0 {
		f.failStatus--
		return errors.New("POST /statuses: 502 Bad Gateway")
	}
	f.statuses = append(f.statuses, s)
	return nil
}

type plan struct{ valid bool }

func (p plan) Valid() bool      { return p.valid }
func (p plan) Markdown() string { return "the plan\n" }

// world is a repository with main and pull request 1, and a reviewer of it.
func world(t *testing.T, planErr *error) (*forgeState, *review.Reviewer) {
	t.Helper()
	dir := gittest.InitBare(t)
	gittest.CommitFiles(t, dir, "main", "init", gittest.Files{"ferry.yaml": gittest.Text("settle: 1s\n")})
	head := gittest.CommitFiles(t, dir, "tighten", "tighten", gittest.Files{"slo.yaml": gittest.Text("objectives: []\n")})
	gittest.Git(t, dir, "update-ref", "refs/pull/1/head", head)
	srv := gittest.NewInProcess(t, dir)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := &forgeState{head: head}
	r := review.New(review.Options{
		Store: s, Forge: f, Log: testr.New(t), Retry: 50 * time.Millisecond,
		Plan: func(context.Context, gitstore.Hash, gitstore.Hash, gitstore.Hash) (review.Plan, error) {
			if *planErr != nil {
				return nil, *planErr
			}
			return plan{valid: true}, nil
		},
	})
	return f, r
}

// A status the forge refused is set at the next sync, though the comment
// was already written.
func TestStatusIsSetAgainAfterAFailure(t *testing.T) {
	var planErr error
	f, r := world(t, &planErr)
	f.failStatus = 1
	if _, err := r.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("first sync: %v", err)
	}
	if res, err := r.Sync(context.Background()); err != nil || res.Planned != 1 {
		t.Fatalf("second sync = %+v, %v", res, err)
	}
	if len(f.statuses) != 1 || f.statuses[0].State != forge.StatusSuccess || len(f.comments) != 1 {
		t.Errorf("statuses %+v, comments %d", f.statuses, len(f.comments))
	}
	if res, _ := r.Sync(context.Background()); res.Current != 1 || len(f.statuses) != 1 {
		t.Errorf("a third sync wrote again: %+v, %d statuses", res, len(f.statuses))
	}
}

// A plan that fails shows as a failure, is not taken for done, and is
// made again: once it succeeds, the same comment says so.
func TestFailedPlanIsMadeAgain(t *testing.T) {
	planErr := errors.New("render services/carts/chart: timed out after 10s")
	f, r := world(t, &planErr)
	if _, err := r.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("sync with a failing plan: %v", err)
	}
	if len(f.statuses) != 1 || f.statuses[0].State != forge.StatusFailure || !strings.Contains(f.comments[0].Body, "timed out after 10s") {
		t.Fatalf("statuses %+v, comments %+v", f.statuses, f.comments)
	}
	if res, err := r.Sync(context.Background()); err != nil || res.Planned != 0 || len(f.statuses) != 1 {
		t.Errorf("a sync right after the failure = %+v, %v, %d statuses; want it to wait", res, err, len(f.statuses))
	}
	planErr = nil
	time.Sleep(60 * time.Millisecond)
	if res, err := r.Sync(context.Background()); err != nil || res.Planned != 1 {
		t.Fatalf("sync after the retry time = %+v, %v", res, err)
	}
	if len(f.comments) != 1 || !strings.Contains(f.comments[0].Body, "the plan") || f.statuses[len(f.statuses)-1].State != forge.StatusSuccess {
		t.Errorf("after the plan succeeded: comments %+v, statuses %+v", f.comments, f.statuses)
	}
}
