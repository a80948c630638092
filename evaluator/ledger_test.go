package evaluator_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestLedgerAppendAndHistory(t *testing.T) {
	dir := gittest.InitBare(t)
	mainSHA := gittest.CommitFiles(t, dir, "main", "seed", gittest.Files{"shipyard.yaml": gittest.Text("x: 1\n")})
	srv := gittest.NewInProcess(t, dir)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	slo := parseSLO(t, sharedSLO)
	status := s.FerryRef("status")
	for i, m := range []float64{10, 30, 12} {
		res, err := s.Fetch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		hist, err := evaluator.History(s.Reader, res.Snapshot.Get(status), "staging", "carts", 0)
		if err != nil {
			t.Fatal(err)
		}
		r := evaluator.Score(slo, map[string]evaluator.Value{"m": {Value: m}}, evaluator.AsPrevious(hist))
		r.Stage, r.Service, r.Commit, r.Run = "staging", "carts", mainSHA, "run"+string(rune('a'+i))
		r.EvaluatedAt = t0.Add(time.Duration(i) * time.Minute)
		r.ID = evaluator.NewID(r.EvaluatedAt, r.Run)
		b := s.Begin(res.Snapshot)
		if err := evaluator.Append(b, status, r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Push(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hist, err := evaluator.History(s.Reader, res.Snapshot.Get(status), "staging", "carts", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Run != "runc" || hist[2].Run != "runa" {
		t.Fatalf("history newest first: %d records, %v", len(hist), hist)
	}
	// 30 fails against the passing 10; 12 passes (<=15.0) and compares
	// only with the passing result: the fail is filtered out.
	if hist[1].Result != "fail" || hist[0].Result != "pass" || len(hist[0].Compared) != 1 || hist[0].Compared[0].ID != hist[2].ID {
		t.Errorf("results %s %s %s, third compared with %v", hist[2].Result, hist[1].Result, hist[0].Result, hist[0].Compared)
	}
	note := gittest.Git(t, dir, "notes", "--ref=ferry", "show", mainSHA)
	if rec, err := evaluator.ParseRecord([]byte(note)); err != nil || rec.Run != "runc" {
		t.Errorf("note on the evaluated commit: %v %v", rec, err)
	}
	trailers := gittest.Git(t, dir, "log", "-1", "--format=%(trailers:key=Ferry-Verdict,valueonly)", "ferry/status")
	if trailers != "pass 100" {
		t.Errorf("Ferry-Verdict trailer = %q", trailers)
	}
	gittest.Git(t, dir, "fsck", "--full")
}
