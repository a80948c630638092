package gitstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/signing"
)

// signerFunc signs with a function: a signer that fails, here.
type signerFunc func([]byte) ([]byte, error)

func (f signerFunc) Sign(p []byte) ([]byte, error) { return f(p) }

// TestSignEveryCommitOfABatch: with a Signer, a branch commit, a merge and
// the notes commit of one push all carry a signature git verify-commit
// accepts; RawCommit returns what was signed; a signer that fails fails
// the commit.
func TestSignEveryCommitOfABatch(t *testing.T) {
	srv, _ := seeded(t)
	k := gittest.SSHSigningKey(t, "ferry@example.com")
	key, err := signing.Load(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, srv.URL, func(o *gitstore.Options) { o.Signer = key })
	snap := fetch(t, s).Snapshot
	b := s.Begin(snap)
	stage, err := b.Commit(s.StageRef("dev"), gitstore.CommitRequest{Message: "deploy", Edits: []gitstore.Edit{gitstore.Put("a.txt", []byte("a\n"))}})
	if err != nil {
		t.Fatal(err)
	}
	merge, err := b.Merge(s.StageRef("dev"), snap.Get(s.MainRef()), gitstore.CommitRequest{Message: "merge main"})
	if err != nil {
		t.Fatal(err)
	}
	b.SetNote(stage, []byte("note\n"))
	if _, err := s.Push(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	v, err := signing.LoadVerifier("", "")
	if err != nil {
		t.Fatal(err)
	}
	config := gittest.VerifyConfig(t, k)
	for _, ref := range []string{stage.String(), merge.String(), s.NotesRef()} {
		gittest.Git(t, srv.Dir, append(config, "verify-commit", ref)...)
	}
	raw, err := s.RawCommit(merge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(raw); signing.AsRejection(err) == nil || signing.AsRejection(err).Why != signing.WhyNotAllowed {
		t.Errorf("Verify of the merge without allowed signers = %v, want a good signature by a key not allowed", err)
	}

	failing := openStore(t, srv.URL, func(o *gitstore.Options) {
		o.Signer = signerFunc(func([]byte) ([]byte, error) { return nil, errors.New("agent gone") })
	})
	b = failing.Begin(fetch(t, failing).Snapshot)
	if _, err := b.Commit(failing.StageRef("qa"), gitstore.CommitRequest{Message: "x", AllowEmpty: true}); err == nil || err.Error() != "commit on refs/heads/stage/qa: sign commit: agent gone" {
		t.Errorf("commit with a failing signer: %v", err)
	}
}
