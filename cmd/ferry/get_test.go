package main_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/status"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// delivered is a repository where ferry delivered carts and orders to
// production, opened a problem for carts in production and started on a
// bump of carts (in flight in dev).
type delivered struct {
	bare  string
	store *gitstore.Store
	rec   *reconciler.Reconciler
	now   time.Time
}

func newDelivered(t *testing.T) *delivered {
	t.Helper()
	d := &delivered{bare: gittest.InitBare(t), now: t0}
	gittest.CommitTxtar(t, d.bare, "main", "testdata/delivered.txtar")
	var err error
	if d.store, err = gitstore.Open(gitstore.Options{URL: d.bare, Dir: filepath.Join(t.TempDir(), "state")}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.store.Close() })
	d.rec, err = reconciler.New(reconciler.Options{Store: d.store, Now: func() time.Time { return d.now }, Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	d.passUntil(t, "carts released in production", func() bool {
		out, err := gittest.TryGit(d.bare, "show", "ferry/status:runs/production/carts.yaml")
		return err == nil && strings.Contains(out, "\nlast:")
	})
	alert := &status.Report{Kind: status.ReportAlert, Service: "carts", Stage: "production", Task: "response_time", Message: "slow checkout"}
	if err := status.Record(context.Background(), d.store, alert, d.now); err != nil {
		t.Fatal(err)
	}
	d.passUntil(t, "a problem", func() bool {
		_, err := gittest.TryGit(d.bare, "rev-parse", "--verify", "ferry/status:problems")
		return err == nil
	})
	gittest.CommitFiles(t, d.bare, "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	d.pass(t)
	return d
}

// passUntil runs passes, the clock advancing 5s each, until ok.
func (d *delivered) passUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for i := 0; !ok(); i++ {
		if i > 100 {
			t.Fatalf("no %s after 100 passes", what)
		}
		d.pass(t)
		d.now = d.now.Add(5 * time.Second)
	}
}

func (d *delivered) pass(t *testing.T) {
	t.Helper()
	if _, err := d.rec.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// problemID is the id of the one problem.
func (d *delivered) problemID(t *testing.T) string {
	t.Helper()
	name := gittest.Git(t, d.bare, "ls-tree", "--name-only", "ferry/status:problems")
	return strings.TrimSuffix(name, ".yaml")
}

// squeeze collapses runs of spaces, so that tests do not depend on the
// widths of table columns.
func squeeze(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
}

// decode reads JSON, or YAML through its conversion to JSON.
func decode(t *testing.T, format, out string, v any) {
	t.Helper()
	var err error
	if format == "yaml" {
		err = yaml.UnmarshalStrict([]byte(out), v)
	} else {
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
	}
	if err != nil {
		t.Fatalf("-o %s does not decode: %v\n%s", format, err, out)
	}
}

func TestGetRun(t *testing.T) {
	d := newDelivered(t)
	r := ferry(t, "", "get", "run", "dev", "carts", "--repo", d.bare)
	for _, want := range []string{"Stage: dev", "In flight: r7 image=carts:0.11.2", "Waiting for: the agent to apply stage/dev", "Last: r1 image=carts:0.11.1", "Released: image=carts:0.11.1"} {
		if r.code != 0 || !strings.Contains(squeeze(r.stdout), want) {
			t.Errorf("get run dev carts lacks %q: exit %d\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	if r := ferry(t, "", "get", "run", "production", "carts", "--repo", d.bare); !strings.Contains(squeeze(r.stdout), "Problem: "+d.problemID(t)+" (response_time)") {
		t.Errorf("get run production carts lacks the problem:\n%s", r.stdout)
	}
	var views []map[string]any
	for _, format := range []string{"json", "yaml"} {
		r := ferry(t, "", "get", "run", "dev", "carts", "--repo", d.bare, "-o", format)
		if r.code != 0 {
			t.Fatalf("-o %s: exit %d %s", format, r.code, r.stderr)
		}
		var v map[string]any
		decode(t, format, r.stdout, &v)
		views = append(views, v)
		cur, _ := v["current"].(map[string]any)
		sum, _ := v["summary"].(map[string]any)
		inFlight, _ := sum["inFlight"].(map[string]any)
		if v["stage"] != "dev" || v["service"] != "carts" || cur["id"] != "r7" || cur["taskName"] != "deployment" || inFlight["run"] != "r7" {
			t.Errorf("-o %s: not the slot of carts in dev with r7 in flight:\n%s", format, r.stdout)
		}
	}
	if diff := cmp.Diff(views[0], views[1]); diff != "" {
		t.Errorf("-o yaml differs from -o json (-json +yaml):\n%s", diff)
	}
}

func TestGetProblem(t *testing.T) {
	d := newDelivered(t)
	id := d.problemID(t)
	r := ferry(t, "", "get", "problem", id, "--repo", d.bare)
	for _, want := range []string{"Problem: " + id, "Type: response_time", "Title: slow checkout", "Status: open", "1 scaling replicaCount 1 → 2"} {
		if r.code != 0 || !strings.Contains(squeeze(r.stdout), want) {
			t.Errorf("get problem lacks %q: exit %d\n%s%s", want, r.code, r.stdout, r.stderr)
		}
	}
	var got []status.Problem
	for _, format := range []string{"json", "yaml"} {
		r := ferry(t, "", "get", "problem", id, "--repo", d.bare, "-o", format)
		var p status.Problem
		decode(t, format, r.stdout, &p)
		if p.ID != id || len(p.Actions) != 1 || p.Actions[0].Action != "scaling" {
			t.Errorf("-o %s: %+v", format, p)
		}
		got = append(got, p)
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("-o yaml differs from -o json (-json +yaml):\n%s", diff)
	}
	if r := ferry(t, "", "get", "problem", "nope", "--repo", d.bare); r.code != 1 || !strings.Contains(r.stderr, `unknown problem "nope"; known: `+id) {
		t.Errorf("unknown problem: exit %d %s", r.code, r.stderr)
	}
}

func TestProblemsOutputs(t *testing.T) {
	d := newDelivered(t)
	id := d.problemID(t)
	r := ferry(t, "", "problems", "--repo", d.bare)
	if r.code != 0 || !strings.Contains(r.stdout, id) || strings.Contains(r.stdout, "replicaCount") {
		t.Errorf("problems: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := ferry(t, "", "problems", "--repo", d.bare, "-o", "wide"); !strings.Contains(r.stdout, "ACTIONS TAKEN") || !strings.Contains(r.stdout, "scaling replicaCount 1 → 2: waiting for deployed") {
		t.Errorf("problems -o wide lacks the actions:\n%s", r.stdout)
	}
	var got [][]status.Problem
	for _, format := range []string{"json", "yaml"} {
		r := ferry(t, "", "problems", "--repo", d.bare, "-o", format)
		var ps []status.Problem
		decode(t, format, r.stdout, &ps)
		if len(ps) != 1 || ps[0].ID != id || ps[0].Title != "slow checkout" || !ps[0].Opened.Equal(t0.Add(45*time.Second)) {
			t.Errorf("problems -o %s: %+v", format, ps)
		}
		got = append(got, ps)
	}
	if diff := cmp.Diff(got[0], got[1]); diff != "" {
		t.Errorf("-o yaml differs from -o json (-json +yaml):\n%s", diff)
	}
}

func TestUnknownStageAndService(t *testing.T) {
	d := newDelivered(t)
	dir := t.TempDir()
	gittest.Git(t, "", "clone", "--quiet", d.bare, dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "run", "prod", "carts", "--repo", d.bare}, `unknown stage "prod"; known: dev, staging, production`},
		{[]string{"get", "run", "dev", "cart", "--repo", d.bare}, `unknown service "cart"; known: carts, orders`},
		{[]string{"history", "cart", "--repo", d.bare}, `unknown service "cart"; known: carts, orders`},
		{[]string{"history", "carts", "--stage", "prod", "--repo", d.bare}, `unknown stage "prod"; known: dev, staging, production`},
		{[]string{"render", "carts", "--stage", "prod", "--dir", dir}, `unknown stage "prod"; known: dev, staging, production`},
		{[]string{"render", "cart", "--stage", "dev", "--repo", d.bare}, `unknown service "cart"; known: carts, orders`},
		{[]string{"rules", "carts", "--stage", "prod", "--repo", d.bare}, `unknown stage "prod"; known: dev, staging, production`},
	} {
		if r := ferry(t, "", tc.args...); r.code != 1 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("ferry %s: exit %d, want 1 and %q:\n%s", strings.Join(tc.args, " "), r.code, tc.want, r.stderr)
		}
	}
}
