package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/promserver"
)

// ciIdentity is the identity a CI job gives git, and so ferry pin.
var ciIdentity = []string{"GIT_AUTHOR_NAME=CI Bot", "GIT_AUTHOR_EMAIL=ci@example.com"}

// TestPinCommitsValues pins through a real Git server: the file keeps its
// comments and other keys, dotted keys nest, a new pin file is made for a
// service that has none, and what cannot or need not be written is not.
func TestPinCommitsValues(t *testing.T) {
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/pin.txtar")
	gittest.CommitFiles(t, bare, "main", "add orders", gittest.Files{
		"services/orders/chart/Chart.yaml":        gittest.Text("apiVersion: v2\nname: orders\nversion: 0.1.0\n"),
		"services/orders/chart/templates/cm.yaml": gittest.Text("kind: ConfigMap\nmetadata: {name: orders}\n"),
	})
	// A pin file ferry pin cannot edit without changing what it means.
	gittest.CommitFiles(t, bare, "main", "add anchored", gittest.Files{
		"services/anchored/chart/Chart.yaml":        gittest.Text("apiVersion: v2\nname: anchored\nversion: 0.1.0\n"),
		"services/anchored/chart/templates/cm.yaml": gittest.Text("kind: ConfigMap\nmetadata: {name: anchored}\n"),
		"services/anchored/pin.yaml":                gittest.Text("tag: &v \"1.0\"\nsidecarTag: *v\n"),
	})
	_, url := gittest.NewHTTPServer(t, bare, nil)
	state := filepath.Join(t.TempDir(), "state")
	pin := func(args ...string) result {
		return ferryEnv(t, "", ciIdentity, append([]string{"pin", "--repo", url, "--state-dir", state}, args...)...)
	}

	tests := []struct {
		name    string
		args    []string
		code    int
		out     string // a line of stdout, or of stderr when code != 0
		file    string // the pin file to read afterwards
		want    string // its content
		commits int    // commits added to main
	}{
		{
			name: "a bump keeps comments and other keys",
			args: []string{"carts", "image=carts:0.11.2"},
			out:  "pinned carts image=carts:0.11.2", file: "services/carts/pin.yaml",
			want:    "# bumped by CI with ferry pin\nimage: carts:0.11.2 # the last build\nreplicaCount: 1\n",
			commits: 1,
		},
		{
			name: "dotted keys nest",
			args: []string{"carts", "sidecar.image.tag=1.2.3", "replicaCount=2", "-m", "carts sidecar 1.2.3"},
			out:  "pinned carts replicaCount=2 sidecar.image.tag=1.2.3", file: "services/carts/pin.yaml",
			want:    "# bumped by CI with ferry pin\nimage: carts:0.11.2 # the last build\nreplicaCount: 2\nsidecar:\n  image:\n    tag: 1.2.3\n",
			commits: 1,
		},
		{
			name: "an unchanged value commits nothing",
			args: []string{"carts", "image=carts:0.11.2"},
			out:  "carts already pins image=carts:0.11.2; nothing to commit", file: "services/carts/pin.yaml",
			want: "# bumped by CI with ferry pin\nimage: carts:0.11.2 # the last build\nreplicaCount: 2\nsidecar:\n  image:\n    tag: 1.2.3\n",
		},
		{
			name: "a service without pin.yaml gets one",
			args: []string{"orders", "image=orders:1.0.0"},
			out:  "pinned orders image=orders:1.0.0", file: "services/orders/pin.yaml",
			want:    "image: orders:1.0.0\n",
			commits: 1,
		},
		{
			name: "an unknown service",
			args: []string{"payment", "image=payment:1"},
			code: 1, out: `ferry: unknown service "payment"; known: anchored, carts, orders`,
		},
		{
			name: "an unknown stage to wait for",
			args: []string{"carts", "image=carts:0.12.0", "--wait", "qa"},
			code: 1, out: `ferry: unknown stage "qa"; known: staging, production`,
		},
		{
			name: "an unknown sequence",
			args: []string{"carts", "image=carts:0.12.0", "--sequence", "canary"},
			code: 1, out: `canary`,
		},
		{
			name: "a key through a value",
			args: []string{"carts", "image.tag=1"},
			code: 1, out: "ferry: set image.tag in services/carts/pin.yaml: line 2: image holds a value !!str, not a mapping",
		},
		{
			name: "a value with an anchor",
			args: []string{"anchored", "tag=2.0"},
			code: 1, out: "ferry: set tag in services/anchored/pin.yaml: line 1: tag has the anchor &v, which aliases may use: edit the file by hand",
		},
		{name: "no values", args: []string{"carts"}, code: 2, out: "ferry: give at least one KEY=VALUE"},
		{name: "not key=value", args: []string{"carts", "image"}, code: 2, out: `ferry: parse "image": want key=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := gittest.Git(t, bare, "rev-parse", "main")
			r := pin(tt.args...)
			out := r.stdout
			if tt.code != 0 {
				out = r.stderr
			}
			if r.code != tt.code || !strings.Contains(out, tt.out) {
				t.Fatalf("ferry pin %s: exit %d, want %d and %q\n%s%s", strings.Join(tt.args, " "), r.code, tt.code, tt.out, r.stdout, r.stderr)
			}
			if n := gittest.Git(t, bare, "rev-list", "--count", before+"..main"); n != fmt.Sprint(tt.commits) {
				t.Errorf("%s commits added to main, want %d", n, tt.commits)
			}
			if tt.file != "" {
				if diff := cmp.Diff(tt.want, gittest.Git(t, bare, "show", "main:"+tt.file)+"\n"); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tt.file, diff)
				}
			}
		})
	}
	if got := gittest.Git(t, bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s|%(trailers:only,unfold)", "main"); got != "CI Bot <ci@example.com>|CI Bot <ci@example.com>|Pin orders image=orders:1.0.0|Ferry-Service: orders" {
		t.Errorf("the pin commit reads %q", got)
	}
	r := pin("orders", "image=orders:1.0.0", "-o", "json")
	var res struct {
		Commit  string            `json:"commit"`
		Service string            `json:"service"`
		Values  map[string]string `json:"values"`
		Changed bool              `json:"changed"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || r.code != 0 {
		t.Fatalf("-o json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if res.Commit != gittest.Git(t, bare, "rev-parse", "main") || res.Service != "orders" || res.Changed || res.Values["image"] != "orders:1.0.0" {
		t.Errorf("-o json of an unchanged pin: %+v", res)
	}
}

// TestPinRacingCIJobs runs 20 ferry pin processes at once against one
// repository: every bump lands as its own commit and no ref is rewritten.
func TestPinRacingCIJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("race test: real time")
	}
	const jobs = 20
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/pin.txtar")
	// The reflog of main lists every value it held: a rewrite shows there.
	gittest.Git(t, bare, "config", "core.logAllRefUpdates", "always")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	start := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := ferryEnv(t, "", ciIdentity, "pin", "carts", fmt.Sprintf("image=carts:2.0.%d", i), fmt.Sprintf("build.job%02d=%d", i, i),
				"--repo", url, "--state-dir", filepath.Join(t.TempDir(), "state"), "-o", "json")
			if r.code != 0 {
				failed.Add(1)
				t.Errorf("job %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
			}
		}()
	}
	close(start)
	wg.Wait()
	if failed.Load() > 0 {
		return
	}
	subjects := gittest.Git(t, bare, "log", "--format=%s", "main")
	if n := strings.Count(subjects, "Pin carts "); n != jobs {
		t.Errorf("main has %d pin commits, want %d:\n%s", n, jobs, subjects)
	}
	history := gittest.Git(t, bare, "log", "-p", "main", "--", "services/carts/pin.yaml")
	final := gittest.Git(t, bare, "show", "main:services/carts/pin.yaml")
	for i := range jobs {
		if !strings.Contains(history, fmt.Sprintf("+image: carts:2.0.%d", i)) {
			t.Errorf("the bump of job %d is not in the history of main", i)
		}
		// Each job's own key survives every later bump.
		if !strings.Contains(final, fmt.Sprintf("job%02d: %d", i, i)) {
			t.Errorf("the final pin lacks job %d's key:\n%s", i, final)
		}
	}
	tips := strings.Fields(gittest.Git(t, bare, "reflog", "show", "--format=%H", "refs/heads/main"))
	pins := strings.Count(gittest.Git(t, bare, "reflog", "show", "--format=%s", "refs/heads/main"), "Pin carts ")
	if pins != jobs || len(tips) > jobs+1 {
		t.Errorf("main was updated %d times, %d of them by a pin; want %d pins and at most the seed", len(tips), pins, jobs)
	}
	for i := 1; i < len(tips); i++ { // newest first
		if _, err := gittest.TryGit(bare, "merge-base", "--is-ancestor", tips[i], tips[i-1]); err != nil {
			t.Errorf("main was rewritten: %s is not an ancestor of %s", tips[i][:7], tips[i-1][:7])
		}
	}
	gittest.Git(t, bare, "fsck", "--full")
}

// TestPinWaitsForProduction runs ferry run against an embedded Prometheus,
// pins a healthy build and waits for its release in production (exit 0),
// then pins a slow one that fails production's gate and is rolled back
// (exit 1, with the verdict table).
func TestPinWaitsForProduction(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end: real time")
	}
	prom, err := promserver.Start(promserver.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = prom.Close() }()
	var prodLatency atomic.Int64
	prodLatency.Store(100)
	ctx, stopSamples := context.WithCancel(context.Background())
	defer stopSamples()
	go func() {
		for ctx.Err() == nil {
			_ = prom.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "carts_latency_ms", "stage", "staging"), Time: time.Now(), Value: 100})
			_ = prom.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "carts_latency_ms", "stage", "production"), Time: time.Now(), Value: float64(prodLatency.Load())})
			time.Sleep(250 * time.Millisecond)
		}
	}()

	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/pin.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)
	dir := t.TempDir()
	startFerry(t, "run", "--repo", url, "--state-dir", filepath.Join(dir, "state"),
		"--prometheus-url", prom.URL, "--listen", "127.0.0.1:0", "--poll-interval", "500ms")
	e2e.WaitFor(t, 90*time.Second, "carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })

	pin := func(args ...string) result {
		base := []string{
			"pin", "carts", "--repo", url, "--state-dir", filepath.Join(dir, "pin"),
			"--wait", "production", "--poll-interval", "200ms", "--timeout", "2m",
		}
		return ferryEnv(t, "", ciIdentity, append(base, args...)...)
	}
	r := pin("image=carts:0.11.2")
	t.Logf("ferry pin --wait production:\n%s", r.stdout)
	if r.code != 0 {
		t.Fatalf("pin --wait production of a healthy build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"pinned carts image=carts:0.11.2", "staging: r", "delivery: test waiting for test", "evaluated: pass, score 100", "staging: released", "production: released", "released in production"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the progress lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.Count(r.stdout, line+"\n") > 1 {
			t.Errorf("the line %q is printed more than once:\n%s", line, r.stdout)
		}
	}
	if e2e.StageImage(bare, "production") != "carts:0.11.2" {
		t.Errorf("production runs %s after the release", e2e.StageImage(bare, "production"))
	}

	prodLatency.Store(900)
	r = pin("image=carts:0.11.3", "-o", "json")
	if r.code != 1 {
		t.Fatalf("pin --wait production of a slow build: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var res struct {
		Commit  string `json:"commit"`
		Outcome struct {
			Stage, Result, In, Run, Verdict, Record string
			Score                                   *float64
		} `json:"outcome"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.stdout)
	}
	o := res.Outcome
	if res.Commit != gittest.Git(t, bare, "rev-parse", "main") || o.Stage != "production" || o.In != "production" || o.Result != "rolledBack" || o.Verdict != "fail" || o.Record == "" || o.Score == nil || *o.Score != 0 {
		t.Errorf("-o json of a rollback: %s", r.stdout)
	}
	e2e.WaitFor(t, 30*time.Second, "carts 0.11.2 back in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.2" })

	// The same rollback for people: the verdict table, exit 1 at once.
	r = pin("image=carts:0.11.3")
	t.Logf("ferry pin --wait production again:\n%s", r.stdout)
	if r.code != 1 {
		t.Fatalf("pin --wait of the rolled back build: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"already pins image=carts:0.11.3", "rolledBack in production: rolled back to", "OBJECTIVE", "response_time", "result: fail"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, r.stdout)
		}
	}
}
