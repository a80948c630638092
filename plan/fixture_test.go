package plan_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/plan"
)

const shipyard = `apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: release
    - name: staging
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: deployment
            - name: evaluation
            - name: release
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: staging.delivery.finished
          tasks:
            - name: deployment
            - name: evaluation
            - name: approval
              properties:
                pass: automatic
                warning: manual
            - name: release
`

// shipyardCanary adds a stage after production and makes production's
// approval manual.
const shipyardCanary = `apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata:
  name: shop
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: release
    - name: staging
      sequences:
        - name: delivery
          triggeredOn:
            - event: dev.delivery.finished
          tasks:
            - name: deployment
            - name: evaluation
            - name: release
    - name: production
      sequences:
        - name: delivery
          triggeredOn:
            - event: staging.delivery.finished
          tasks:
            - name: deployment
            - name: evaluation
            - name: approval
              properties:
                pass: manual
                warning: manual
            - name: release
    - name: canary
      sequences:
        - name: delivery
          triggeredOn:
            - event: production.delivery.finished
          tasks:
            - name: deployment
            - name: release
`

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: carts
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app: carts
  template:
    metadata:
      labels:
        app: carts
        stage: {{ .Values.keptn.stage }}
    spec:
      containers:
        - name: carts
          image: {{ .Values.image }}
          ports:
            - containerPort: 8080
`

const sli = `spec_version: "1.0"
indicators:
  response_time_p95: rt_p95{job="carts"}
`

// slo passes a p95 response time up to 800 ms.
const slo = `spec_version: "1.0"
comparison:
  compare_with: single_result
  include_result_with_score: pass
  number_of_comparison_results: 1
  aggregate_function: avg
objectives:
  - sli: response_time_p95
    pass:
      - criteria:
          - "<=800"
total_score:
  pass: "90%"
  warning: "75%"
`

// baseFiles is the project on main before the change.
func baseFiles() gittest.Files {
	return gittest.Files{
		"shipyard.yaml":                         gittest.Text(shipyard),
		"services/carts/chart/Chart.yaml":       gittest.Text("apiVersion: v2\nname: carts\nversion: 0.1.0\n"),
		"services/carts/chart/values.yaml":      gittest.Text("replicaCount: 1\nimage: carts:0.0\n"),
		"services/carts/chart/templates/d.yaml": gittest.Text(deployment),
		"services/carts/pin.yaml":               gittest.Text("image: docker.io/shop/carts:1.0.0\n"),
		"services/carts/sli.yaml":               gittest.Text(sli),
		"services/carts/slo.yaml":               gittest.Text(slo),
	}
}

// world is a repository with a base commit on main and the mirror.
type world struct {
	dir, url, state string
	store           *gitstore.Store
	base            gitstore.Hash
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	dir := gittest.InitBare(tb)
	base := gittest.CommitFiles(tb, dir, "main", "shop", baseFiles())
	srv := gittest.NewInProcess(tb, dir)
	w := &world{dir: dir, url: srv.URL, state: filepath.Join(tb.TempDir(), "state"), base: gitstore.NewHash(base)}
	w.store = w.open(tb, "")
	tb.Cleanup(func() { _ = w.store.Close() })
	return w
}

func (w *world) open(tb testing.TB, branch string) *gitstore.Store {
	tb.Helper()
	s, err := gitstore.Open(gitstore.Options{URL: w.url, Dir: w.state, Branch: branch})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// branch commits files on a branch made from main and brings it into the
// mirror as ferry plan does: a fetch with the branch as input branch,
// then main's again.
func (w *world) branch(tb testing.TB, name, msg string, files gittest.Files) gitstore.Hash {
	tb.Helper()
	gittest.Git(tb, w.dir, "branch", "-f", name, "main")
	h := gittest.CommitFiles(tb, w.dir, name, msg, files)
	_ = w.store.Close()
	s := w.open(tb, name)
	if _, err := s.Fetch(context.Background()); err != nil {
		tb.Fatal(err)
	}
	_ = s.Close()
	w.store = w.open(tb, "")
	w.fetch(tb)
	return gitstore.NewHash(h)
}

func (w *world) fetch(tb testing.TB) gitstore.Snapshot {
	tb.Helper()
	res, err := w.store.Fetch(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return res.Snapshot
}

// record writes evaluations of carts in a stage to the ledger, oldest
// first, one per p95 value, each scored with the base SLO as ferry run
// would have: run r1 for the first value, r2 for the next, and so on.
func (w *world) record(tb testing.TB, stage string, p95 ...float64) gitstore.Hash {
	tb.Helper()
	parsed, d := evaluator.ParseSLO("services/carts/slo.yaml", []byte(slo))
	if parsed == nil {
		tb.Fatal(d.Diagnostics())
	}
	snap := w.fetch(tb)
	status := w.store.FerryRef("status")
	b := w.store.Begin(snap)
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	var records []*evaluator.Record
	for i, v := range p95 {
		r := evaluator.Score(parsed, map[string]evaluator.Value{"response_time_p95": {Value: v}}, evaluator.AsPrevious(newestFirst(records)))
		r.Stage, r.Service, r.Project = stage, "carts", "shop"
		r.SLO = evaluator.SLOSource{File: "services/carts/slo.yaml", Content: slo}
		r.Queries = map[string]string{"response_time_p95": `rt_p95{job="carts"}`}
		r.Run = fmt.Sprintf("r%d", i+1)
		r.EvaluatedAt = t0.Add(time.Duration(i) * time.Hour)
		r.ID = evaluator.NewID(r.EvaluatedAt, r.Run)
		if err := evaluator.Append(b, status, r); err != nil {
			tb.Fatal(err)
		}
		records = append(records, r)
	}
	if _, err := w.store.Push(context.Background(), b); err != nil {
		tb.Fatal(err)
	}
	return w.fetch(tb).Get(status)
}

func newestFirst(rs []*evaluator.Record) []*evaluator.Record {
	out := make([]*evaluator.Record, len(rs))
	for i, r := range rs {
		out[len(rs)-1-i] = r
	}
	return out
}

// compute plans head against main's base commit.
func (w *world) compute(tb testing.TB, head, status gitstore.Hash) *plan.Plan {
	tb.Helper()
	p, err := plan.Compute(context.Background(), w.store, w.base, head, status, plan.Options{
		Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
