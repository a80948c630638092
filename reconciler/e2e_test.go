package reconciler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

const e2eProject = `seed
-- shipyard.yaml --
apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata: {name: sockshop}
spec:
  stages:
    - name: production
      sequences:
        - name: delivery
          tasks:
            - {name: deployment, properties: {settle: 1s}}
            - {name: release}
        - name: remediation
          triggeredOn:
            - event: production.remediation.finished
              selector: {match: {evaluation.result: fail}}
          tasks:
            - {name: get-action}
            - {name: action}
            - {name: evaluation, triggeredAfter: 4s}
-- ferry.yaml --
settle: 1s
alerts: {window: 5s, for: 2s}
-- services/carts/pin.yaml --
image: carts:1.0.0
-- services/carts/slo.yaml --
spec_version: "1.0"
objectives:
  - sli: response_time
    pass: [{criteria: ["<=500"]}]
total_score: {pass: "90%"}
-- services/carts/sli.yaml --
spec_version: "1.0"
indicators:
  response_time: max_over_time(carts_latency_ms{stage="$STAGE"}[$DURATION_SECONDS])
-- services/carts/remediation.yaml --
apiVersion: spec.keptn.sh/0.1.4
kind: Remediation
metadata: {name: carts}
spec:
  remediations:
    - problemType: response_time
      actionsOnOpen:
        - {action: scaling, name: scale up, value: "+1"}
        - {action: togglefeature, name: cache on, value: {EnableItemCache: "on"}}
-- services/carts/chart/Chart.yaml --
apiVersion: v2
name: carts
version: 0.1.0
-- services/carts/chart/values.yaml --
replicaCount: 1
-- services/carts/chart/templates/deployment.yaml --
kind: Deployment
metadata: {name: carts}
spec:
  replicas: {{ .Values.replicaCount }}
`

// TestRemediationWithRealPrometheusAndAlertmanager runs the loop with the
// real parts: Prometheus scrapes a workload whose latency depends on its
// replica count and evaluates the rules ferry generated, Alertmanager
// routes the alert to ferry, ferry commits remediation actions, and a test
// agent applies the stage branch to the workload.
func TestRemediationWithRealPrometheusAndAlertmanager(t *testing.T) {
	for _, tc := range []struct {
		name       string
		byReplicas map[int]int64
		want       string
	}{
		{"scaling helps", map[int]int64{1: 900, 2: 120}, "status: closed"},
		{"nothing helps", map[int]int64{1: 900, 2: 900}, "status: escalated"},
	} {
		t.Run(tc.name, func(t *testing.T) { remediationE2E(t, tc.byReplicas, tc.want) })
	}
}

func remediationE2E(t *testing.T, byReplicas map[int]int64, want string) {
	dir := gittest.InitBare(t)
	archive := filepath.Join(t.TempDir(), "project.txtar")
	if err := os.WriteFile(archive, []byte(e2eProject), 0o644); err != nil {
		t.Fatal(err)
	}
	gittest.CommitTxtar(t, dir, "main", archive)

	// The workload: latency by the replica count the agent applied.
	var replicas atomic.Int64
	replicas.Store(0)
	workload := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := int(replicas.Load())
		if n == 0 {
			return // not deployed yet
		}
		_, _ = fmt.Fprintf(w, "carts_latency_ms{stage=\"production\"} %d\n", byReplicas[n])
	}))
	defer workload.Close()

	// ferry, in process, serving its endpoints on loopback.
	store, err := gitstore.Open(gitstore.Options{URL: dir, Dir: filepath.Join(t.TempDir(), "state")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = store.Close() }()
	promAddr := e2e.FreeAddr(t)
	q, err := evaluator.NewPrometheus(evaluator.PrometheusOptions{URL: "http://" + promAddr})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := reconciler.New(reconciler.Options{Store: store, Querier: q, Log: testr.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	loop := reconciler.NewLoop(rec, 200*time.Millisecond)
	ferrySrv := httptest.NewServer(ingress.Handler(loop, ingress.ServerOptions{AlertToken: "am-token"}))
	defer ferrySrv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = loop.Run(ctx) }()

	am := e2e.StartAlertmanager(t, fmt.Sprintf(`route:
  receiver: ferry
  group_by: [alertname, service, stage]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: ferry
    webhook_configs:
      - url: %s/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization: {credentials: am-token}
`, ferrySrv.URL))
	rulesDir := t.TempDir()
	rulesFile := filepath.Join(rulesDir, "ferry.rules.yaml")
	if err := os.WriteFile(rulesFile, []byte("groups: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := e2e.StartPrometheusAt(t, promAddr, fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs: [{targets: [%q]}]
scrape_configs:
  - job_name: carts
    static_configs: [{targets: [%q]}]
`, rulesFile, strings.TrimPrefix(am.URL, "http://"), strings.TrimPrefix(workload.URL, "http://")), nil)

	// The agent: applies the stage branch's replica count and alert rules.
	var applied sync.Map
	agentCtx, stopAgent := context.WithCancel(ctx)
	defer stopAgent()
	go func() {
		for agentCtx.Err() == nil {
			applyStage(t, dir, &replicas, rulesFile, prom.URL, &applied)
			time.Sleep(200 * time.Millisecond)
		}
	}()

	deadline := time.Now().Add(150 * time.Second)
	for {
		out, _ := gittest.TryGit(dir, "ls-tree", "--name-only", "ferry/status:problems")
		if out != "" {
			pr, _ := gittest.TryGit(dir, "show", "ferry/status:problems/"+strings.Split(out, "\n")[0])
			if strings.Contains(pr, want) {
				t.Logf("problem:\n%s", pr)
				break
			}
		}
		if time.Now().After(deadline) {
			log, _ := gittest.TryGit(dir, "log", "--format=%s", "stage/production")
			t.Fatalf("no problem reached %q in time; stage/production:\n%s\nproblems: %q", want, log, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	log := gittest.Git(t, dir, "log", "--format=%s|%(trailers:key=Ferry-Problem,valueonly)", "stage/production")
	if !strings.Contains(log, "remediate carts in production: replicaCount 1 → 2|production-carts-response-time-") {
		t.Errorf("no scaling commit:\n%s", log)
	}
}

// applyStage is the test's sync agent: it reads stage/production and
// applies the replica count to the workload and the alert rules to
// Prometheus (as a plain rule file, then a reload).
func applyStage(t *testing.T, dir string, replicas *atomic.Int64, rulesFile, promURL string, applied *sync.Map) {
	tip, err := gittest.TryGit(dir, "rev-parse", "stage/production")
	if err != nil {
		return
	}
	if _, done := applied.Load(tip); done {
		return
	}
	manifests, err := gittest.TryGit(dir, "show", tip+":services/carts/manifests.yaml")
	if err != nil {
		return
	}
	var n int
	for _, line := range strings.Split(manifests, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "replicas: "); ok {
			_, _ = fmt.Sscan(v, &n)
		}
	}
	replicas.Store(int64(n))
	if alerts, err := gittest.TryGit(dir, "show", tip+":services/carts/alerts.yaml"); err == nil {
		var pr struct {
			Spec struct {
				Groups []any `yaml:"groups"`
			} `yaml:"spec"`
		}
		if yaml.Unmarshal([]byte(alerts), &pr) == nil {
			out, _ := yaml.Marshal(map[string]any{"groups": pr.Spec.Groups})
			_ = os.WriteFile(rulesFile, out, 0o644)
			resp, err := http.Post(promURL+"/-/reload", "text/plain", nil)
			if err == nil {
				_ = resp.Body.Close()
			}
		}
	}
	applied.Store(tip, true)
}
