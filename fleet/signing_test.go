package fleet_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
)

// A project's repository Secret holds the key ferry signs with and the
// signers its verify stages allow, and verifies production (verifyStages)
// though ferry.yaml does not: the unsigned seed stops before
// production, a bump signed by an allowed key reaches it, and git verify-
// commit accepts what ferry wrote.
func TestSignFleetProjectFromSecret(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ferryKey := gittest.SSHSigningKey(t, "ferry@example.com")
	alice := gittest.SSHSigningKey(t, "alice@example.com")
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../cmd/ferry/testdata/fast.txtar")
	// production is verified by the Secret's verifyStages only.
	gittest.CommitFiles(t, bare, "main", "settle fast", gittest.Files{"ferry.yaml": gittest.Text("settle: 1s\n")})
	_, url := gittest.NewHTTPServer(t, bare, nil)
	secrets := t.TempDir()
	repoSecret := filepath.Join(secrets, "default", "repo")
	if err := os.MkdirAll(repoSecret, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(ferryKey.Private)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"signingKey": string(key), "allowedSigners": alice.Public + "\n", "verifyStages": "staging-x, production\n"} {
		if err := os.WriteFile(filepath.Join(repoSecret, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	projects, diags := fleet.LoadConfig("projects.yaml", []byte("apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: shop}\n"+
		"spec:\n  repository: {url: '"+url+"', secretRef: {name: repo}}\n  interval: 1s\n  prometheus: {url: '"+prom.URL+"'}\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := fleet.New(ctx, fleet.Options{StateDir: t.TempDir(), SecretsDir: secrets, Registerer: prometheus.NewRegistry(), Log: testr.New(t)})
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, projects) }()
	stopped := func() bool {
		out, err := gittest.TryGit(bare, "show", "ferry/status:status.json")
		return err == nil && strings.Contains(out, `"reason": "UnsignedCandidate"`)
	}
	e2e.WaitFor(t, 60*time.Second, "the unsigned seed stopped before production", stopped)
	if img := e2e.StageImage(bare, "production"); img != "" {
		t.Errorf("production runs %q from an unsigned candidate", img)
	}
	gittest.CommitSigned(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")}, alice)
	e2e.WaitFor(t, 60*time.Second, "the signed carts 0.11.2 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })
	cancel()
	<-done
	config := gittest.VerifyConfig(t, ferryKey)
	for _, c := range strings.Fields(gittest.Git(t, bare, "rev-list", "stage/production", "ferry/status", "refs/notes/ferry", "--not", "main")) {
		if _, err := gittest.TryGit(bare, append(config, "verify-commit", c)...); err != nil {
			t.Errorf("git verify-commit %s: %v", c, err)
		}
	}
}

// A project restarts when its repository Secret's signers change, though
// its spec does not: the controller calls Set every interval, and a
// rotated allowedSigners applies then.
func TestSignersRotatedInTheSecretApply(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alice, bob := gittest.SSHSigningKey(t, "alice@example.com"), gittest.SSHSigningKey(t, "bob@example.com")
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../cmd/ferry/testdata/fast.txtar")
	gittest.CommitFiles(t, bare, "main", "settle fast", gittest.Files{"ferry.yaml": gittest.Text("settle: 1s\n")})
	_, url := gittest.NewHTTPServer(t, bare, nil)
	secrets := t.TempDir()
	repoSecret := filepath.Join(secrets, "default", "repo")
	if err := os.MkdirAll(repoSecret, 0o700); err != nil {
		t.Fatal(err)
	}
	writeSecret := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(repoSecret, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeSecret("allowedSigners", bob.Public+"\n")
	writeSecret("verifyStages", "production\n")
	projects, diags := fleet.LoadConfig("projects.yaml", []byte("apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: shop}\n"+
		"spec:\n  repository: {url: '"+url+"', secretRef: {name: repo}}\n  interval: 1s\n  prometheus: {url: '"+prom.URL+"'}\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := fleet.New(ctx, fleet.Options{StateDir: t.TempDir(), SecretsDir: secrets, Registerer: prometheus.NewRegistry(), Log: testr.New(t)})
	defer f.StopAll()
	if err := f.Set(projects[0]); err != nil {
		t.Fatal(err)
	}
	e2e.WaitFor(t, 60*time.Second, "the unsigned seed stopped before production", func() bool {
		out, err := gittest.TryGit(bare, "show", "ferry/status:status.json")
		return err == nil && strings.Contains(out, `"reason": "UnsignedCandidate"`)
	})

	writeSecret("allowedSigners", alice.Public+"\n")
	if err := f.Set(projects[0]); err != nil {
		t.Fatal(err)
	}
	gittest.CommitSigned(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")}, alice)
	e2e.WaitFor(t, 60*time.Second, "carts 0.11.2 signed by the newly allowed alice in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })
}
