package gitstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

func TestFerryTrailers(t *testing.T) {
	tests := []struct {
		name string
		f    gitstore.FerryTrailers
		want gitstore.Trailers
	}{
		{"none", gitstore.FerryTrailers{}, nil},
		{
			"all, in the fixed order",
			gitstore.FerryTrailers{Service: "carts", Stage: "dev", Candidate: "abc", Run: "r1", Task: "evaluation", Verdict: "pass 95.5", Problem: "p1", Sequence: "delivery-direct"},
			gitstore.Trailers{
				{Key: "Ferry-Service", Value: "carts"},
				{Key: "Ferry-Stage", Value: "dev"},
				{Key: "Ferry-Candidate", Value: "abc"},
				{Key: "Ferry-Run", Value: "r1"},
				{Key: "Ferry-Task", Value: "evaluation"},
				{Key: "Ferry-Verdict", Value: "pass 95.5"},
				{Key: "Ferry-Problem", Value: "p1"},
				{Key: "Ferry-Sequence", Value: "delivery-direct"},
			},
		},
		{
			"empty values omitted",
			gitstore.FerryTrailers{Service: "carts", Task: "action", Problem: "p2"},
			gitstore.Trailers{{Key: "Ferry-Service", Value: "carts"}, {Key: "Ferry-Task", Value: "action"}, {Key: "Ferry-Problem", Value: "p2"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.f.Trailers()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Trailers (-want +got):\n%s", diff)
			}
			back := gitstore.ParseTrailers(gitstore.FormatMessage("subject", got)).Ferry()
			if diff := cmp.Diff(tt.f, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFerryTrailersAmongOthers(t *testing.T) {
	msg := "deploy\n\nSigned-off-by: A <a@b>\nferry-service: carts\nFerry-Run: r1\nFerry-Run: r2\n"
	want := gitstore.FerryTrailers{Service: "carts", Run: "r2"}
	if diff := cmp.Diff(want, gitstore.ParseTrailers(msg).Ferry()); diff != "" {
		t.Errorf("Ferry (-want +got):\n%s", diff)
	}
}

// TestFerryTrailersReadByGit checks that git reads each key as ferry does.
func TestFerryTrailersReadByGit(t *testing.T) {
	srv, _ := seeded(t)
	s := openStore(t, srv.URL)
	b := s.Begin(fetch(t, s).Snapshot)
	f := gitstore.FerryTrailers{Service: "carts", Stage: "dev", Candidate: strings.Repeat("a", 40), Run: "r-1", Task: "deployment", Verdict: "pass 95.5", Problem: "p-1"}
	if _, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{
		Message: "deploy carts", Trailers: f.Trailers(), Edits: []gitstore.Edit{gitstore.Put("f", []byte("x"))},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, key := range []string{
		gitstore.TrailerService, gitstore.TrailerStage, gitstore.TrailerCandidate, gitstore.TrailerRun,
		gitstore.TrailerTask, gitstore.TrailerVerdict, gitstore.TrailerProblem,
	} {
		got[key] = gittest.Git(t, srv.Dir, "log", "-1", "--format=%(trailers:key="+key+",valueonly)", "stage/dev")
	}
	want := map[string]string{}
	for _, tr := range f.Trailers() {
		want[tr.Key] = tr.Value
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("git's reading (-ferry +git):\n%s", diff)
	}
}

func FuzzFerryTrailers(f *testing.F) {
	f.Add("carts", "dev", "abc", "r1", "deployment", "pass 95.5", "")
	f.Add("", "", "", "", "", "", "p1")
	f.Fuzz(func(t *testing.T, service, stage, candidate, run, task, verdict, problem string) {
		ft := gitstore.FerryTrailers{Service: service, Stage: stage, Candidate: candidate, Run: run, Task: task, Verdict: verdict, Problem: problem}
		tr := ft.Trailers()
		for _, x := range tr {
			// Only values a commit accepts are written: one trimmed line.
			if strings.ContainsAny(x.Value, "\r\n") || strings.TrimSpace(x.Value) != x.Value {
				return
			}
		}
		if diff := cmp.Diff(ft, gitstore.ParseTrailers(gitstore.FormatMessage("subject", tr)).Ferry()); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}
