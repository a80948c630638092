package signing_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/signing"
	"github.com/ferrycd/ferry/status"
)

// TestAdmit checks which stages Admit verifies, that it walks every commit
// since the slot's released candidate, and that it checks again whatever
// the run records.
func TestAdmit(t *testing.T) {
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	dir := gittest.InitBare(t)
	pin := func(s string) gittest.Files { return gittest.Files{"pin": gittest.Text(s)} }
	c1 := gittest.CommitSigned(t, dir, "main", "verify production", gittest.Files{"ferry.yaml": gittest.Text("verify: {stages: [production]}\n")}, alice)
	c2 := gittest.CommitSigned(t, dir, "main", "signed", pin("2"), alice)
	c3 := gittest.CommitFiles(t, dir, "main", "unsigned, drops ferry.yaml", gittest.Files{"ferry.yaml": nil})
	c4 := gittest.CommitSigned(t, dir, "main", "signed", pin("4"), alice)
	srv := gittest.NewInProcess(t, dir)
	store, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	if _, err := store.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	signers, err := signing.ParseAllowedSigners("allowed_signers", []byte(alice.Public+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	plain := signing.NewVerifier(signers, nil)
	told := plain.WithStages("production")
	tests := []struct {
		name      string
		v         *signing.Verifier
		stage     string
		released  string
		run       status.Run
		want      string // a part of the message; "" when admitted
		wantOther string // another part
	}{
		{name: "stage not verified", v: told, stage: "staging", run: status.Run{Candidate: c3}},
		{name: "verify stage given to ferry", v: told, stage: "production", run: status.Run{Candidate: c3}, want: "production requires a candidate signed by an allowed signer: the commit is not signed"},
		{name: "nothing released: the candidate alone", v: told, stage: "production", run: status.Run{Candidate: c2}},
		{name: "the recorded signer is not trusted", v: told, stage: "production", run: status.Run{Candidate: c3, Task: 3, Signer: "alice@example.com (ssh key SHA256:x)"}, want: "the commit is not signed"},
		{name: "an unsigned commit since the release", v: told, stage: "production", released: c2, run: status.Run{Candidate: c4}, want: "commit " + c3[:12] + " on main before it: the commit is not signed"},
		{name: "signed since the root", v: told, stage: "production", released: c1, run: status.Run{Candidate: c2}},
		{name: "signed since the release", v: told, stage: "production", released: c3, run: status.Run{Candidate: c4}},
		{name: "the released candidate again", v: told, stage: "production", released: c4, run: status.Run{Candidate: c4}},
		{name: "released candidate not an ancestor", v: told, stage: "production", released: c4, run: status.Run{Candidate: c2}, want: "released candidate " + c4[:12] + " is not an ancestor"},
		{name: "verify kept by the released candidate's ferry.yaml", v: plain, stage: "production", released: c2, run: status.Run{Candidate: c3}, want: "the commit is not signed"},
		{name: "verify dropped by a released commit", v: plain, stage: "production", released: c3, run: status.Run{Candidate: c3}},
		{name: "no signers", stage: "production", released: c2, run: status.Run{Candidate: c3}, want: "the commit is not signed", wantOther: "ferry was given no allowed signers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slot := &status.Slot{Stage: tt.stage, Service: "carts"}
			if tt.released != "" {
				slot.Released = &status.Release{Candidate: tt.released}
			}
			run := tt.run
			got := tt.v.Admit(store, slot, &run)
			if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) || !strings.Contains(got, tt.wantOther) {
				t.Fatalf("Admit = %q, want %q", got, tt.want)
			}
			if tt.want == "" && tt.stage == "production" && run.Candidate != c3 && !strings.HasPrefix(run.Signer, "alice@example.com (ssh key SHA256:") {
				t.Errorf("run.Signer = %q, want alice", run.Signer)
			}
		})
	}
}
