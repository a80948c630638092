package history_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/history"
	"github.com/ferrycd/ferry/internal/gittest"
)

// transition is a commit to write on a stage branch.
type transition struct {
	stage, svc, task, run, candidate string
	// verdict, when set, is noted on the commit as an evaluation record.
	verdict string
	score   float64
}

// build writes the transitions in order, one second apart, on a repository
// served in process and returns a store that fetched it and the commits.
func build(t *testing.T, ts []transition) (*gitstore.Store, gitstore.Snapshot, []string) {
	t.Helper()
	srv := gittest.NewInProcess(t, gittest.InitBare(t))
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var commits []string
	_, err = s.Update(context.Background(), func(_ gitstore.Snapshot, b *gitstore.Batch) error {
		commits = commits[:0]
		for i, tr := range ts {
			sig := object.Signature{Name: "ferry", Email: "ferry@example.com", When: start.Add(time.Duration(i) * time.Second)}
			h, err := b.Commit(s.StageRef(tr.stage), gitstore.CommitRequest{
				Message: tr.task + " " + tr.svc + " in " + tr.stage,
				Trailers: gitstore.FerryTrailers{
					Service: tr.svc, Stage: tr.stage, Task: tr.task, Run: tr.run, Candidate: tr.candidate,
				}.Trailers(),
				Edits:  []gitstore.Edit{gitstore.Put(tr.svc+".txt", []byte(tr.task+tr.run))},
				Author: sig, Committer: sig,
			})
			if err != nil {
				return err
			}
			commits = append(commits, h.String())
			if tr.verdict != "" {
				rec := &evaluator.Record{Version: evaluator.RecordVersion, ID: tr.run, Commit: h.String(), Result: tr.verdict, Score: tr.score}
				data, err := rec.Marshal()
				if err != nil {
					return err
				}
				b.SetNote(h, data)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return s, snap, commits
}

func TestRead(t *testing.T) {
	const main1, main2 = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222"
	s, snap, c := build(t, []transition{
		{"dev", "carts", "deployment", "r1", main1, "pass", 95.5},
		{"dev", "carts-db", "deployment", "r2", main1, "", 0},
		{"staging", "carts", "deployment", "r3", main1, "fail", 50},
		{"staging", "carts", "rollback", "r3", main1, "", 0},
		{"dev", "carts", "deployment", "r4", main2, "", 0},
	})
	at := func(i int) time.Time { return time.Date(2026, 11, 30, 12, 0, i, 0, time.UTC) }
	entry := func(i int, stage, task, run, cand, verdict string) history.Entry {
		return history.Entry{
			Stage: stage, Time: at(i), Commit: c[i], Task: task, Run: run, Candidate: cand, Verdict: verdict,
			Subject: task + " carts in " + stage,
		}
	}
	all := []history.Entry{
		entry(4, "dev", "deployment", "r4", main2, ""),
		entry(3, "staging", "rollback", "r3", main1, ""),
		entry(2, "staging", "deployment", "r3", main1, "fail 50"),
		entry(0, "dev", "deployment", "r1", main1, "pass 95.5"),
	}
	for _, tc := range []struct {
		name string
		opts history.Options
		of   string
		want []history.Entry
	}{
		{"every stage, newest first", history.Options{Service: "carts"}, "", all},
		{"one stage", history.Options{Service: "carts", Stage: "staging"}, "", all[1:3]},
		{"limit: the newest transitions", history.Options{Service: "carts", Limit: 1}, "", all[:1]},
		{"limit across the stages", history.Options{Service: "carts", Limit: 3}, "", all[:3]},
		{"max walk per stage branch", history.Options{Service: "carts", MaxWalk: 1}, "", all[:2]},
		{"another service", history.Options{Service: "carts-db"}, "", []history.Entry{{
			Stage: "dev", Time: at(1), Commit: c[1], Task: "deployment", Run: "r2", Candidate: main1,
			Subject: "deployment carts-db in dev",
		}}},
		{"no such service", history.Options{Service: "orders"}, "", []history.Entry{}},
		{"of a candidate", history.Options{Service: "carts"}, main2, all[:1]},
		{"of a stage commit", history.Options{Service: "carts"}, c[2], all[2:3]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := history.Read(s, snap, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if tc.of != "" {
				got = history.Of(got, tc.of)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadPastOtherServices reads a service whose transitions are older
// than more commits of other services than the limit: the walk goes on
// until it found the service's, up to MaxWalk commits.
func TestReadPastOtherServices(t *testing.T) {
	ts := []transition{
		{"dev", "carts", "deployment", "r1", "", "", 0},
		{"dev", "carts", "deployment", "r2", "", "", 0},
	}
	for i := range 250 {
		ts = append(ts, transition{"dev", fmt.Sprintf("svc-%03d", i), "deployment", "o" + strconv.Itoa(i), "", "", 0})
	}
	s, snap, c := build(t, ts)
	for _, tc := range []struct {
		name string
		opts history.Options
		want []string
	}{
		{"default limit", history.Options{Service: "carts"}, []string{c[1], c[0]}},
		{"limit 1", history.Options{Service: "carts", Limit: 1}, []string{c[1]}},
		{"walk too short", history.Options{Service: "carts", MaxWalk: 251}, []string{c[1]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := history.Read(s, snap, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			commits := []string{}
			for _, e := range got {
				commits = append(commits, e.Commit)
			}
			if diff := cmp.Diff(tc.want, commits); diff != "" {
				t.Errorf("commits (-want +got):\n%s", diff)
			}
		})
	}
}
