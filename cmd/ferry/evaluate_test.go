package main_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/promserver"
)

const gateSLO = `spec_version: "1.0"
comparison: {compare_with: several_results, include_result_with_score: pass, number_of_comparison_results: 2}
objectives:
  - sli: m
    pass: [{criteria: ["<=15.0"]}, {criteria: ["<=+10%"]}]
    warning: [{criteria: ["<=20.0"]}, {criteria: ["<=+15%"]}]
total_score: {pass: "90%", warning: "40%"}
`

func TestEvaluateOffline(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "slo.yaml"), gateSLO)
	write(t, filepath.Join(dir, "history.yaml"), "- {id: r1, result: pass, values: {m: 10}}\n")
	for _, tt := range []struct {
		m     string
		extra []string
		code  int
		want  string
	}{
		{"10", nil, 0, "result: pass, score 100"},
		{"16", nil, 0, "result: warning, score 50"},
		{"16", []string{"--fail-on-warning"}, 1, "result: warning, score 50"},
		{"30", nil, 1, "result: fail, score 0"},
		{"{error: timeout}", nil, 1, "error: timeout"},
	} {
		write(t, filepath.Join(dir, "values.yaml"), "m: "+tt.m+"\n")
		args := append([]string{"evaluate", "--slo", "slo.yaml", "--values", "values.yaml", "--history", "history.yaml"}, tt.extra...)
		r := ferry(t, dir, args...)
		if r.code != tt.code || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("m=%s %v: exit %d, want %d with %q\n%s%s", tt.m, tt.extra, r.code, tt.code, tt.want, r.stdout, r.stderr)
		}
	}

	write(t, filepath.Join(dir, "values.yaml"), "m: 16\n")
	r := ferry(t, dir, "evaluate", "--slo", "slo.yaml", "--values", "values.yaml", "--history", "history.yaml", "-o", "json")
	var rec struct {
		Result string  `json:"result"`
		Score  float64 `json:"score"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || rec.Result != "warning" || rec.Score != 50 {
		t.Errorf("-o json: %v %+v\n%s", err, rec, r.stdout)
	}
	y := ferry(t, dir, "evaluate", "--slo", "slo.yaml", "--values", "values.yaml", "--history", "history.yaml", "-o", "yaml")
	if y.code != 0 || !strings.Contains(y.stdout, "result: warning\n") || !strings.Contains(y.stdout, "score: 50\n") {
		t.Errorf("-o yaml: exit %d\n%s%s", y.code, y.stdout, y.stderr)
	}
	write(t, filepath.Join(dir, "rec.json"), r.stdout)
	rp := ferry(t, dir, "evaluate", "--replay", "rec.json")
	if rp.code != 0 || !strings.Contains(rp.stderr, "matches the record: warning 50") {
		t.Errorf("replay: exit %d\n%s%s", rp.code, rp.stdout, rp.stderr)
	}
	write(t, filepath.Join(dir, "strict.yaml"), strings.Replace(gateSLO, `warning: "40%"`, `warning: "75%"`, 1))
	wi := ferry(t, dir, "evaluate", "--replay", "rec.json", "--slo", "strict.yaml")
	if wi.code != 1 || !strings.Contains(wi.stdout, "result: fail, score 50") || !strings.Contains(wi.stderr, "recorded verdict: warning 50") {
		t.Errorf("what-if replay: exit %d\n%s%s", wi.code, wi.stdout, wi.stderr)
	}
	// A tampered record does not replay.
	write(t, filepath.Join(dir, "bad.json"), strings.Replace(r.stdout, `"result": "warning"`, `"result": "pass"`, 1))
	if bad := ferry(t, dir, "evaluate", "--replay", "bad.json"); bad.code != 2 || !strings.Contains(bad.stderr, "differs from the record") {
		t.Errorf("tampered replay: exit %d\n%s", bad.code, bad.stderr)
	}
	write(t, filepath.Join(dir, "broken.yaml"), "spec_version: '1.0'\nobjectives:\n  - sli: m\n    pass: [{criteria: ['fast']}]\ntotal_score: {pass: 90%}\n")
	if e := ferry(t, dir, "evaluate", "--slo", "broken.yaml", "--values", "values.yaml"); e.code != 2 || !strings.Contains(e.stderr, "broken.yaml:4:24") {
		t.Errorf("invalid SLO: exit %d\n%s", e.code, e.stderr)
	}
	if e := ferry(t, dir, "evaluate"); e.code != 2 {
		t.Errorf("no mode: exit %d", e.code)
	}
}

// TestEvaluateOfflineHistorySkipsInvalidated: an earlier record marked
// invalidated in --history is never compared with, as in Keptn.
func TestEvaluateOfflineHistorySkipsInvalidated(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "slo.yaml"), gateSLO)
	write(t, filepath.Join(dir, "values.yaml"), "m: 16\n")
	// With r2 (avg 55) m = 16 would pass <=+10%; against r1 alone it warns.
	write(t, filepath.Join(dir, "history.json"), `[
  {"id": "r2", "result": "pass", "values": {"m": 100}, "invalidated": true},
  {"id": "r1", "result": "pass", "values": {"m": 10}}
]`)
	r := ferry(t, dir, "evaluate", "--slo", "slo.yaml", "--values", "values.yaml", "--history", "history.json", "-o", "json")
	var rec struct {
		Result   string                `json:"result"`
		Compared []struct{ ID string } `json:"compared"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || rec.Result != "warning" || len(rec.Compared) != 1 || rec.Compared[0].ID != "r1" {
		t.Errorf("exit %d: %+v (%v)\n%s%s", r.code, rec, err, r.stdout, r.stderr)
	}
}

// TestEvaluateLiveRecordAndReplay runs the quality gate from a CI's point
// of view: project in a Git server, SLIs in Prometheus, record stored,
// replayed from the commit's note.
func TestEvaluateLiveRecordAndReplay(t *testing.T) {
	prom, err := promserver.Start(promserver.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = prom.Close() }()
	now := time.Now()
	for i := 0; i < 30; i++ {
		at := now.Add(-time.Duration(i) * 10 * time.Second)
		if err := prom.Add(promserver.Sample{Labels: labels.FromStrings("__name__", "latency_ms", "job", "carts-staging"), Time: at, Value: 12}); err != nil {
			t.Fatal(err)
		}
	}
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "../../stages/testdata/sockshop.txtar")
	gittest.CommitFiles(t, bare, "main", "quality gate for carts", gittest.Files{
		"services/carts/stages/staging/slo.yaml": gittest.Text(gateSLO),
		"services/carts/stages/staging/sli.yaml": gittest.Text("spec_version: '1.0'\nindicators:\n  m: avg_over_time(latency_ms{job=\"$SERVICE-$STAGE\"}[$DURATION_SECONDS])\n"),
	})
	_, url := gittest.NewHTTPServer(t, bare, nil)

	args := []string{"evaluate", "--repo", url, "--service", "carts", "--stage", "staging", "--timeframe", "2m", "--prometheus-url", prom.URL}
	r := ferry(t, "", append(args, "--record", "--run", "ci-42")...)
	if r.code != 0 || !strings.Contains(r.stdout, "result: pass, score 100") {
		t.Fatalf("live: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	mainSHA := gittest.Git(t, bare, "rev-parse", "main")
	ledger := gittest.Git(t, bare, "ls-tree", "-r", "--name-only", "ferry/status")
	if !strings.HasPrefix(ledger, "ledger/staging/carts/") || !strings.HasSuffix(ledger, "-ci-42.json") {
		t.Errorf("ledger = %q", ledger)
	}
	note := gittest.Git(t, bare, "notes", "--ref=ferry", "show", mainSHA)
	if !strings.Contains(note, `"result": "pass"`) || !strings.Contains(note, `job=\"carts-staging\"}[120s]`) {
		t.Errorf("note on main:\n%s", note)
	}
	if v := gittest.Git(t, bare, "log", "-1", "--format=%(trailers:key=Ferry-Verdict,valueonly)", "ferry/status"); v != "pass 100" {
		t.Errorf("Ferry-Verdict = %q", v)
	}
	for _, commit := range []string{mainSHA, mainSHA[:8]} {
		rp := ferry(t, "", "evaluate", "--replay", commit, "--repo", url)
		if rp.code != 0 || !strings.Contains(rp.stderr, "matches the record: pass 100") {
			t.Errorf("replay by commit %s: exit %d\n%s%s", commit, rp.code, rp.stdout, rp.stderr)
		}
	}

	// The second evaluation compares with the first from the ledger.
	r = ferry(t, "", append(args, "--record", "--run", "ci-43", "-o", "json")...)
	var rec struct {
		Compared []struct{ ID string } `json:"compared"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || len(rec.Compared) != 1 || !strings.HasSuffix(rec.Compared[0].ID, "-ci-42") {
		t.Errorf("second evaluation compared with %+v (%v)\n%s", rec.Compared, err, r.stderr)
	}

	// A record marked invalidated in the ledger is never compared with,
	// even when it is the newest.
	gittest.CommitFiles(t, bare, "ferry/status", "invalidate", gittest.Files{
		"ledger/staging/carts/29990101T000000.000Z-bad.json": gittest.Text(`{"version": 1, "id": "29990101T000000.000Z-bad", "result": "pass", "values": {"m": 1000}, "invalidated": true}` + "\n"),
	})
	r = ferry(t, "", append(args, "-o", "json")...)
	rec.Compared = nil
	if err := json.Unmarshal([]byte(r.stdout), &rec); err != nil || len(rec.Compared) != 2 || !strings.HasSuffix(rec.Compared[0].ID, "-ci-43") || !strings.HasSuffix(rec.Compared[1].ID, "-ci-42") {
		t.Errorf("after an invalidated record, compared with %+v (%v)\n%s", rec.Compared, err, r.stderr)
	}

	// Prometheus down: the gate fails with the reason, exit 1.
	_ = prom.Close()
	down := ferry(t, "", args...)
	if down.code != 1 || !strings.Contains(down.stdout, "connection refused") {
		t.Errorf("prometheus down: exit %d\n%s%s", down.code, down.stdout, down.stderr)
	}
	// An unknown service cannot be evaluated: exit 2.
	if e := ferry(t, "", "evaluate", "--repo", url, "--service", "nope", "--stage", "staging", "--timeframe", "1m", "--prometheus-url", "http://127.0.0.1:1"); e.code != 2 {
		t.Errorf("unknown service: exit %d", e.code)
	}
}
