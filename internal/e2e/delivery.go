package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/promserver"
)

// WaitFor polls ok until it holds, and fails the test when it does not
// within the given time.
func WaitFor(tb testing.TB, within time.Duration, what string, ok func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(within); !ok(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			tb.Fatalf("no %s within %s", what, within)
		}
	}
}

// StageImage returns the image carts' manifests deploy on a stage branch
// of a bare repository, or "" before the branch has them.
func StageImage(bare, stage string) string {
	out, err := gittest.TryGit(bare, "show", "stage/"+stage+":services/carts/manifests.yaml")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "image: "); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// HealthyPrometheus starts the embedded Prometheus with healthy carts in
// every stage (see HealthyCarts) until the test ends.
func HealthyPrometheus(tb testing.TB) *promserver.Server {
	tb.Helper()
	prom, err := promserver.Start(promserver.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(func() { cancel(); _ = prom.Close() })
	go HealthyCarts(ctx, prom)
	return prom
}

// HealthyCarts plays healthy workloads until ctx ends: carts answers in
// 100 ms in dev, staging and production, written to prom every 250 ms.
func HealthyCarts(ctx context.Context, prom *promserver.Server) {
	for ctx.Err() == nil {
		for _, stage := range []string{"dev", "staging", "production"} {
			_ = prom.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "carts_latency_ms", "stage", stage), Time: time.Now(), Value: 100})
		}
		time.Sleep(250 * time.Millisecond)
	}
}
