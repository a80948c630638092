package plan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/plan"
)

func TestPinBump(t *testing.T) {
	w := newWorld(t)
	head := w.branch(t, "bump", "carts 1.1.0", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: docker.io/shop/carts:1.1.0\n")})
	p := w.compute(t, head, gitstore.ZeroHash)
	if !p.Valid() {
		t.Fatalf("invalid: %v", p.Diagnostics)
	}
	if p.MergeBase != w.base.String() {
		t.Errorf("merge base %s, want the base %s", p.MergeBase, w.base)
	}
	if diff := cmp.Diff([]string{"services/carts/pin.yaml"}, p.ChangedFiles); diff != "" {
		t.Errorf("changed files (-want +got):\n%s", diff)
	}
	want := []plan.Candidate{{
		Service: "carts", Stage: "dev", Sequence: "delivery",
		Steps: []plan.Step{
			{Stage: "dev", Sequence: "delivery", Tasks: []string{"deployment", "release"}},
			{Stage: "staging", Sequence: "delivery", Tasks: []string{"deployment", "evaluation", "release"}},
			{Stage: "production", Sequence: "delivery", Tasks: []string{"deployment", "evaluation", "approval", "release"}, Approval: plan.ApprovalManualOnWarning},
		},
	}}
	if diff := cmp.Diff(want, p.Candidates); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
	if len(p.Manifests) != 3 {
		t.Fatalf("%d manifest changes, want one per stage: %+v", len(p.Manifests), p.Manifests)
	}
	for _, m := range p.Manifests {
		wantObj := []plan.ObjectChange{{Object: "Deployment/shop-" + m.Stage + "/carts", Change: plan.ObjectChanged, Images: []string{"docker.io/shop/carts:1.0.0 → docker.io/shop/carts:1.1.0"}}}
		if diff := cmp.Diff(wantObj, m.Objects); diff != "" {
			t.Errorf("%s objects (-want +got):\n%s", m.Stage, diff)
		}
		for _, line := range []string{"-          image: docker.io/shop/carts:1.0.0", "+          image: docker.io/shop/carts:1.1.0", "@@ "} {
			if !strings.Contains(m.Diff, line) {
				t.Errorf("%s diff lacks %q:\n%s", m.Stage, line, m.Diff)
			}
		}
	}
	if len(p.WhatIf) != 0 || len(p.Changes) != 0 {
		t.Errorf("what-if %v and changes %v, want none for a pin bump", p.WhatIf, p.Changes)
	}
}

func TestWhatIfTightenedSLO(t *testing.T) {
	w := newWorld(t)
	// r1…r10 recorded p95 of 300, 350, …, 750 ms in production: all pass
	// the base's <=800.
	var p95 []float64
	for i := range 10 {
		p95 = append(p95, float64(300+50*i))
	}
	w.record(t, "staging", 900) // staging's SLO does not change
	status := w.record(t, "production", p95...)
	tight := strings.Replace(slo, `"<=800"`, `"<=500"`, 1)
	head := w.branch(t, "tighten", "tighter SLO in production", gittest.Files{"services/carts/stages/production/slo.yaml": gittest.Text(tight)})
	p := w.compute(t, head, status)
	if !p.Valid() {
		t.Fatalf("invalid: %v", p.Diagnostics)
	}
	if len(p.WhatIf) != 1 {
		t.Fatalf("what-if %+v, want production alone", p.WhatIf)
	}
	wi := p.WhatIf[0]
	if wi.Stage != "production" || wi.Service != "carts" || !wi.SLOChanged || len(wi.Replays) != 10 || wi.NotReplayed != 0 {
		t.Fatalf("what-if %+v", wi)
	}
	var changed []string
	for _, r := range wi.Replays {
		if r.Changed {
			changed = append(changed, fmt.Sprintf("%s %s → %s", r.Run, r.Old, *r.New))
		}
	}
	want := []string{"r10 pass 100 → fail 0", "r9 pass 100 → fail 0", "r8 pass 100 → fail 0", "r7 pass 100 → fail 0", "r6 pass 100 → fail 0"}
	if diff := cmp.Diff(want, changed); diff != "" {
		t.Errorf("changed verdicts (-want +got):\n%s", diff)
	}
	if wi.Changed != 5 {
		t.Errorf("changed %d, want 5", wi.Changed)
	}
	text := textOf(t, p)
	for _, line := range []string{"production/carts: 5 of the last 10 evaluations would change verdict with the new SLO", "r7: pass 100 → fail 0"} {
		if !strings.Contains(text, line) {
			t.Errorf("text lacks %q:\n%s", line, text)
		}
	}
	if strings.Contains(text, "r5:") {
		t.Errorf("text lists r5, whose verdict stays:\n%s", text)
	}
}

func TestWhatIfChangedQueryIsNotReplayed(t *testing.T) {
	w := newWorld(t)
	status := w.record(t, "production", 300, 900)
	head := w.branch(t, "query", "p99 instead", gittest.Files{"services/carts/sli.yaml": gittest.Text(strings.Replace(sli, "rt_p95", "rt_p99", 1))})
	p := w.compute(t, head, status)
	var prod *plan.WhatIf
	for i := range p.WhatIf {
		if p.WhatIf[i].Stage == "production" {
			prod = &p.WhatIf[i]
		}
	}
	if prod == nil {
		t.Fatalf("no what-if for production: %+v", p.WhatIf)
	}
	if prod.SLOChanged || !cmp.Equal(prod.SLIs, []string{"response_time_p95"}) || prod.NotReplayed != 2 || prod.Changed != 0 {
		t.Errorf("what-if %+v, want both records not replayed", prod)
	}
	if r := prod.Replays[0]; r.New != nil || len(r.NotReplayable) != 1 || !strings.Contains(r.NotReplayable[0], "query changed") {
		t.Errorf("replay %+v", r)
	}
}

func TestShipyardAndHoldChanges(t *testing.T) {
	w := newWorld(t)
	head := w.branch(t, "canary", "canary stage, manual approval, freeze", gittest.Files{
		"shipyard.yaml":           gittest.Text(shipyardCanary),
		"holds/production.yaml":   gittest.Text("reason: end-of-year freeze\nuntil: \"2027-01-04T08:00:00Z\"\n"),
		"services/carts/pin.yaml": gittest.Text("image: docker.io/shop/carts:1.2.0\n"),
	})
	p := w.compute(t, head, gitstore.ZeroHash)
	want := []string{
		"stage canary added (sequences: delivery)",
		"production.delivery: approval on pass changed from automatic to manual",
		`hold on production added (until 2027-01-04T08:00:00Z, reason "end-of-year freeze")`,
	}
	if diff := cmp.Diff(want, p.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	steps := p.Candidates[0].Steps
	if len(steps) != 4 || steps[3].Stage != "canary" {
		t.Fatalf("steps %+v, want canary last", steps)
	}
	if prod := steps[2]; prod.Approval != plan.ApprovalManual || prod.Hold == nil || prod.Hold.File != "holds/production.yaml" {
		t.Errorf("production step %+v, want a manual approval and the hold", prod)
	}
	md := p.Markdown()
	for _, line := range append(want,
		"#### Candidates",
		"- **carts**: starts sequence delivery in dev",
		"production.delivery: deployment, evaluation, approval, release — stops before the stage: held by holds/production.yaml (end-of-year freeze, until 2027-01-04T08:00:00Z) — stops for a manual approval",
		"- **dev/carts**: Deployment/shop-dev/carts changed: image docker.io/shop/carts:1.0.0 → docker.io/shop/carts:1.2.0",
		"<details><summary>diff of production/carts</summary>",
		"```diff\n--- a/production/carts\n+++ b/production/carts\n@@ ",
	) {
		if !strings.Contains(md, line) {
			t.Errorf("markdown lacks %q:\n%s", line, md)
		}
	}
}

func TestInvalidHead(t *testing.T) {
	w := newWorld(t)
	bad := strings.Replace(slo, `"<=800"`, `"<=fast"`, 1)
	head := w.branch(t, "bad", "broken SLO", gittest.Files{"services/carts/slo.yaml": gittest.Text(bad)})
	p := w.compute(t, head, gitstore.ZeroHash)
	if p.Valid() {
		t.Fatal("a head with a broken SLO is valid")
	}
	errs := p.Diagnostics.Errors()
	if len(errs) == 0 || errs[0].File != "services/carts/slo.yaml" || errs[0].Line != 11 || errs[0].Column == 0 {
		t.Fatalf("diagnostics %v, want services/carts/slo.yaml:11", errs)
	}
	text := textOf(t, p)
	if !strings.Contains(text, "the head does not validate") || !strings.Contains(text, "services/carts/slo.yaml:11:") {
		t.Errorf("text:\n%s", text)
	}
	if !strings.Contains(p.Markdown(), "- `services/carts/slo.yaml:11:") {
		t.Errorf("markdown:\n%s", p.Markdown())
	}
}

func TestMergeBase(t *testing.T) {
	w := newWorld(t)
	head := w.branch(t, "feature", "carts 1.1.0", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: docker.io/shop/carts:1.1.0\n")})
	// main moves on after the branch was made: the plan is the branch's own change.
	mainTip := gitstore.NewHash(gittest.CommitFiles(t, w.dir, "main", "more replicas", gittest.Files{"services/carts/values.yaml": gittest.Text("replicaCount: 3\n")}))
	w.fetch(t)
	got, err := plan.MergeBase(w.store.Reader, mainTip, head)
	if err != nil || got != w.base {
		t.Fatalf("merge base %s, %v; want %s", got, err, w.base)
	}
	p, err := plan.Compute(t.Context(), w.store, mainTip, head, gitstore.ZeroHash, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.MergeBase != w.base.String() || !cmp.Equal(p.ChangedFiles, []string{"services/carts/pin.yaml"}) {
		t.Errorf("merge base %s, changed %v", p.MergeBase, p.ChangedFiles)
	}
	if !strings.Contains(p.Markdown(), "(against the merge base "+gitstore.ShortSHA(w.base.String())+")") {
		t.Errorf("markdown does not name the merge base:\n%s", p.Markdown())
	}
	const moved = "main moved since this branch was made: the merge result was not validated; rebase or merge main to validate it"
	if !p.MergeNotValidated || !strings.Contains(p.Markdown(), moved) || !strings.Contains(textOf(t, p), moved) {
		t.Errorf("mergeNotValidated %v; the outputs must say the merge result was not validated:\n%s", p.MergeNotValidated, p.Markdown())
	}
	// A head that descends from the base: its plan is the merge result's.
	if q := w.compute(t, head, gitstore.ZeroHash); q.MergeNotValidated || strings.Contains(q.Markdown(), moved) {
		t.Errorf("a head descending from the base is marked not validated:\n%s", q.Markdown())
	}
}

func TestMergeBaseMissingCommit(t *testing.T) {
	w := newWorld(t)
	w.fetch(t)
	missing := gitstore.NewHash("0123456789abcdef0123456789abcdef01234567")
	for _, tc := range []struct {
		name       string
		base, head gitstore.Hash
		want       string
	}{
		{"head", w.base, missing, "read the head commit " + missing.String()},
		{"base", missing, w.base, "read the base commit " + missing.String()},
		{"head without a base", gitstore.ZeroHash, missing, "read the head commit " + missing.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plan.MergeBase(w.store.Reader, tc.base, tc.head)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func textOf(tb testing.TB, p *plan.Plan) string {
	tb.Helper()
	var b strings.Builder
	if err := p.Text(&b); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func TestWhatIfBadRecordIsIsolated(t *testing.T) {
	w := newWorld(t)
	w.record(t, "staging", 300)
	w.record(t, "production", 300)
	snap := w.fetch(t)
	b := w.store.Begin(snap)
	if _, err := b.Commit(w.store.FerryRef("status"), gitstore.CommitRequest{
		Message: "a broken record",
		Edits:   []gitstore.Edit{gitstore.Put("ledger/staging/carts/99999999T000000Z-broken.json", []byte("{not json"))},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.store.Push(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	status := w.fetch(t).Get(w.store.FerryRef("status"))
	tight := strings.Replace(slo, `"<=800"`, `"<=500"`, 1)
	head := w.branch(t, "tighten", "tighter SLO", gittest.Files{"services/carts/slo.yaml": gittest.Text(tight)})
	p := w.compute(t, head, status)
	got := map[string]string{}
	for _, wi := range p.WhatIf {
		got[wi.Stage] = fmt.Sprintf("%d replays, problem %q", len(wi.Replays), wi.Problem)
	}
	if len(got) != 2 || got["production"] != `1 replays, problem ""` ||
		!strings.HasPrefix(p.WhatIf[0].Problem+p.WhatIf[1].Problem, "what-if staging/carts: read ledger ledger/staging/carts/99999999T000000Z-broken.json") {
		t.Fatalf("what-if %v, want staging's problem named and production replayed", got)
	}
	for name, out := range map[string]string{"text": textOf(t, p), "markdown": p.Markdown()} {
		if !strings.Contains(out, "what-if staging/carts: read ledger") {
			t.Errorf("%s does not show the problem:\n%s", name, out)
		}
	}
}

// TestCandidatesSorted: a commit that adds a service and triggers another
// lists its candidates sorted, as ferry run orders them.
func TestCandidatesSorted(t *testing.T) {
	w := newWorld(t)
	head := w.branch(t, "orders", "add orders\n\nFerry-Service: carts\nFerry-Sequence: delivery\n", gittest.Files{
		"services/orders/chart/Chart.yaml":        gittest.Text("apiVersion: v2\nname: orders\nversion: 0.1.0\n"),
		"services/orders/chart/templates/cm.yaml": gittest.Text("kind: ConfigMap\nmetadata: {name: orders}\n"),
		"services/orders/pin.yaml":                gittest.Text("image: orders:1\n"),
	})
	p := w.compute(t, head, gitstore.ZeroHash)
	var got []string
	for _, c := range p.Candidates {
		got = append(got, fmt.Sprintf("%s named=%v", c.Service, c.Named))
	}
	if diff := cmp.Diff([]string{"carts named=true", "orders named=false"}, got); diff != "" {
		t.Errorf("candidates (-want +got):\n%s", diff)
	}
}
