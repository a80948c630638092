package main_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/internal/gittest"
)

// TestSignPinCommits pins with --signing-key-file: git verify-commit
// accepts the commit, made with each key format. A key file that is not
// a key fails the command without showing the file's content.
func TestSignPinCommits(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/pin.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	for i, k := range []gittest.SigningKey{
		gittest.SSHSigningKey(t, "ci@example.com"),
		gittest.PGPSigningKey(t, "CI", "ci@example.com"),
	} {
		img := []string{"carts:0.11.5", "carts:0.11.6"}[i]
		r := ferryEnv(t, "", ciIdentity, "pin", "--repo", url, "--signing-key-file", k.Private, "carts", "image="+img)
		if r.code != 0 {
			t.Fatalf("ferry pin: %d\n%s", r.code, r.stderr)
		}
		if _, err := gittest.TryGit(bare, append(gittest.VerifyConfig(t, k), "verify-commit", "main")...); err != nil {
			t.Errorf("git verify-commit of the pin commit: %v", err)
		}
	}
	bad := filepath.Join(t.TempDir(), "key")
	write(t, bad, "not-a-key s3cr3t\n")
	r := ferryEnv(t, "", ciIdentity, "pin", "--repo", url, "--signing-key-file", bad, "carts", "image=carts:0.11.7")
	if r.code == 0 || !strings.Contains(r.stderr, "--signing-key-file: read signing key "+bad) || strings.Contains(r.stderr, "s3cr3t") {
		t.Errorf("ferry pin with a bad key: %d\n%s", r.code, r.stderr)
	}
}
