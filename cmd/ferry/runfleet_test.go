package main_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
)

// ferry run --config refuses a file with a bad Project before it starts,
// naming the file, line and column, and starts with a good one, each
// project ready at its own name.
func TestRunConfig(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	write(t, bad, "apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: shop}\nspec:\n  repository: {url: 'https://x/y'}\n  forge: {kind: bitbucket, api: 'https://x', repo: a/b, secretRef: {name: t}}\n")
	res := ferry(t, "", "run", "--config", bad, "--state-dir", filepath.Join(dir, "state"))
	if res.code != 2 || !strings.Contains(res.stderr, bad+":6:17: spec.forge.kind \"bitbucket\": want github, gitlab or gitea") {
		t.Errorf("a bad config: exit %d\n%s", res.code, res.stderr)
	}
	if res := ferry(t, "", "run", "--config", bad, "--repo", "https://x/y", "--state-dir", dir); res.code != 2 || !strings.Contains(res.stderr, "drop --repo") {
		t.Errorf("--config with --repo: exit %d\n%s", res.code, res.stderr)
	}

	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/fast.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	good := filepath.Join(dir, "projects.yaml")
	write(t, good, "apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: shop, namespace: team}\nspec:\n  repository: {url: '"+url+"'}\n  interval: 1s\n")
	addr := freeAddr(t)
	startFerry(t, "run", "--config", good, "--state-dir", filepath.Join(dir, "state"), "--listen", addr)
	e2e.WaitFor(t, 60*time.Second, "team/shop ready", func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false // not listening yet
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK && strings.Contains(string(b), "team/shop: ok")
	})
	e2e.WaitFor(t, 60*time.Second, "carts in dev", func() bool { return e2e.StageImage(bare, "dev") == "carts:0.11.1" })
	// The dashboard shows every project of the process at its key.
	if got := get(t, "http://"+addr+"/api/v1/projects"); !strings.Contains(got, `"namespace": "team"`) && !strings.Contains(got, `"namespace":"team"`) {
		t.Errorf("the dashboard's projects lack team/shop:\n%.500s", got)
	}
	e2e.WaitFor(t, 30*time.Second, "carts on team/shop's board", func() bool {
		return strings.Contains(get(t, "http://"+addr+"/projects/team/shop"), "image=carts:0.11.1")
	})
}
