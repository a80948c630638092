package main_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
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

// TestSignRunVerifyStages runs ferry run with --verify-stages on a project
// whose ferry.yaml verifies nothing: the unsigned candidate stops before
// production, and a bump signed by an allowed key reaches it.
func TestSignRunVerifyStages(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/fast.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "allowed_signers"), alice.Public+"\n")
	startFerry(t, "run", "--repo", url, "--state-dir", filepath.Join(dir, "state"),
		"--prometheus-url", prom.URL, "--listen", freeAddr(t), "--poll-interval", "1s",
		"--verify-stages", "production", "--allowed-signers-file", filepath.Join(dir, "allowed_signers"))
	e2e.WaitFor(t, 60*time.Second, "the unsigned seed stopped before production", func() bool {
		out, err := gittest.TryGit(bare, "show", "ferry/status:status.json")
		return err == nil && strings.Contains(out, `"reason": "UnsignedCandidate"`)
	})
	if img := e2e.StageImage(bare, "production"); img != "" {
		t.Errorf("production runs %q from an unsigned candidate", img)
	}
	gittest.CommitSigned(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")}, alice)
	e2e.WaitFor(t, 60*time.Second, "the signed carts 0.11.2 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })
}
