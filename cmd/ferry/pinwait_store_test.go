package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// TestWaitPinStopsOnPermanentErrors: refused credentials end --wait at
// once with the error, not at the timeout.
func TestWaitPinStopsOnPermanentErrors(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitFiles(t, bare, "main", "init", gittest.Files{"README": gittest.Text("x\n")})
	_, url := gittest.NewHTTPServer(t, bare, &gittest.BasicAuth{User: "ci", Password: "right"})
	for _, tc := range []struct {
		name string
		auth gitstore.AuthOptions
		is   func(error) bool
	}{
		{"wrong password", gitstore.AuthOptions{Username: "ci", Password: "wrong"}, gitstore.IsAuth},
		{"no credentials", gitstore.AuthOptions{}, gitstore.IsAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := gitstore.Open(gitstore.Options{URL: url, Dir: t.TempDir(), Auth: tc.auth})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			f := &pinFlags{wait: "production", timeout: 20 * time.Second, poll: 50 * time.Millisecond}
			start := time.Now()
			var out bytes.Buffer
			o, err := waitPin(t.Context(), s, f, "carts", gitstore.NewHash(strings.Repeat("a", 40)), &out)
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("waited %s for an error that does not mend", took)
			}
			if !tc.is(err) || o != nil {
				t.Fatalf("outcome %+v, error %v; want the error at once", o, err)
			}
		})
	}
}

// TestVerdictReadsTheRunsRecord: the verdict comes from the run's record,
// read among the newest; an unreadable old record does not matter.
func TestVerdictReadsTheRunsRecord(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitFiles(t, bare, "main", "init", gittest.Files{"README": gittest.Text("x\n")})
	srv := gittest.NewInProcess(t, bare)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	res, err := s.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	status := s.FerryRef("status")
	b := s.Begin(res.Snapshot)
	if _, err := b.Commit(status, gitstore.CommitRequest{
		Message: "an old broken record",
		Edits:   []gitstore.Edit{gitstore.Put(evaluator.LedgerPath("production", "carts", "00000000T000000Z-old"), []byte("{broken"))},
	}); err != nil {
		t.Fatal(err)
	}
	candidate := strings.Repeat("c", 40)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, run := range []string{"r1", "r2", "r3"} {
		r := &evaluator.Record{
			Version: evaluator.RecordVersion, Stage: "production", Service: "carts", Project: "shop", Run: run, Candidate: candidate,
			Result: evaluator.ResultPass, Score: float64(90 + i), EvaluatedAt: t0.Add(time.Duration(i) * time.Hour),
		}
		r.ID = evaluator.NewID(r.EvaluatedAt, run)
		if err := evaluator.Append(b, status, r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Push(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ run, want string }{{"r2", "pass 91"}, {"r3", "pass 92"}, {"", "pass 92"}} {
		t.Run(fmt.Sprintf("run %q", tc.run), func(t *testing.T) {
			o := &pinOutcome{Stage: "production", In: "production", Run: tc.run, Result: pinFailed}
			var out bytes.Buffer
			if err := writeVerdict(&out, s, snap.Get(status), "carts", candidate, o); err != nil {
				t.Fatal(err)
			}
			if got := o.Verdict + " " + evaluator.FormatScore(*o.Score); got != tc.want {
				t.Errorf("verdict %s, want %s", got, tc.want)
			}
		})
	}
}
