package fleet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
)

// Two replicas that briefly both run a project — a leader that has not
// noticed it lost its lease, and its successor — deliver each candidate
// once: their pushes are compare-and-swap, so the second to push a
// transition finds the ref moved and recomputes from what the first did.
func TestOverlappingReplicasDeliverOnce(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../cmd/ferry/testdata/fast.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	projects, diags := fleet.LoadConfig("projects.yaml", []byte("apiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: shop}\n"+
		"spec:\n  repository: {url: '"+url+"'}\n  interval: 1s\n  prometheus: {url: '"+prom.URL+"'}\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for range 2 {
		f := fleet.New(ctx, fleet.Options{StateDir: t.TempDir(), Log: testr.New(t)})
		go func() { _ = f.Run(ctx, projects) }()
	}
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })
	gittest.CommitFiles(t, bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.2 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })
	time.Sleep(3 * time.Second) // a doubled transition would land now
	for _, stage := range []string{"dev", "staging", "production"} {
		log := gittest.Git(t, bare, "log", "--format=%s", "stage/"+stage)
		for _, img := range []string{"carts:0.11.1", "carts:0.11.2"} {
			if n := strings.Count(log, img); n != 1 {
				t.Errorf("%d commits deploy %s to %s, want 1:\n%s", n, img, stage, log)
			}
		}
	}
}
