package plan

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// WhatIf replays the recorded evaluations of a service in a stage with the
// head's SLO and SLIs.
type WhatIf struct {
	Stage   string `json:"stage" yaml:"stage"`
	Service string `json:"service" yaml:"service"`
	// SLOChanged is true when the SLO in force changed; SLIs names the SLI
	// queries in force that were added, removed or changed.
	SLOChanged bool     `json:"sloChanged" yaml:"sloChanged"`
	SLIs       []string `json:"slis,omitempty" yaml:"slis,omitempty"`
	// Replays are the last recorded evaluations, newest first.
	Replays []Replay `json:"replays" yaml:"replays"`
	// Changed counts the replays whose result would change.
	Changed int `json:"changed" yaml:"changed"`
	// NotReplayed counts the evaluations that cannot be replayed offline.
	NotReplayed int `json:"notReplayed" yaml:"notReplayed"`
	// Problem says why the what-if of this stage and service could not be
	// made (an unreadable ledger record, a gate that cannot be built);
	// the other stages and services are planned all the same.
	Problem string `json:"problem,omitempty" yaml:"problem,omitempty"`
}

// Replay is one recorded evaluation scored again.
type Replay struct {
	ID  string `json:"id" yaml:"id"`
	Run string `json:"run,omitempty" yaml:"run,omitempty"`
	// Release is what the evaluation judged: the service's pin at the
	// candidate, "image=carts:0.11.3".
	Release string `json:"release,omitempty" yaml:"release,omitempty"`
	// Objectives say which objectives' statuses would change, with the
	// recorded value: "response_time 450: pass → fail".
	Objectives []string `json:"objectives,omitempty" yaml:"objectives,omitempty"`
	// Old is the recorded verdict; New the head's, absent when it cannot
	// be replayed (NotReplayable says why, per SLI).
	Old           Verdict  `json:"old" yaml:"old"`
	New           *Verdict `json:"new,omitempty" yaml:"new,omitempty"`
	NotReplayable []string `json:"notReplayable,omitempty" yaml:"notReplayable,omitempty"`
	Changed       bool     `json:"changed" yaml:"changed"`
}

// Verdict is a result and its score.
type Verdict struct {
	Result string  `json:"result" yaml:"result"`
	Score  float64 `json:"score" yaml:"score"`
}

// String reads "pass 96".
func (v Verdict) String() string { return v.Result + " " + evaluator.FormatScore(v.Score) }

// whatIf replays, for every stage that evaluates and every service whose
// SLO or SLIs in force there changed, the last n recorded evaluations. A
// stage and service that cannot be replayed carries its Problem; the
// others are replayed all the same.
func whatIf(rd gitstore.Reader, status gitstore.Hash, old, cur *stages.Project, n int) []WhatIf {
	out := []WhatIf{}
	for _, svc := range slices.Sorted(maps.Keys(cur.Services)) {
		for _, stage := range cur.Shipyard.StageNames() {
			if !evaluates(cur, stage) {
				continue
			}
			w, ok, err := whatIfOf(rd, status, old, cur, stage, svc, n)
			if err != nil {
				problem := fmt.Errorf("what-if %s/%s: %w", stage, svc, err)
				w = WhatIf{Stage: stage, Service: svc, Replays: []Replay{}, Problem: problem.Error()}
			} else if !ok {
				continue
			}
			out = append(out, w)
		}
	}
	return out
}

// whatIfOf replays the evaluations of svc in stage; false when neither its
// SLO nor its SLIs changed.
func whatIfOf(rd gitstore.Reader, status gitstore.Hash, old, cur *stages.Project, stage, svc string, n int) (WhatIf, bool, error) {
	w := WhatIf{Stage: stage, Service: svc, Replays: []Replay{}}
	newReq, _, err := cur.GateRequest(svc, stage, evaluator.Window{}, "")
	if err != nil {
		return w, false, err
	}
	oldSLIs := map[string]string{}
	oldSLO := ""
	if old != nil && old.Services[svc] != nil && old.Shipyard.Stage(stage) != nil {
		oldReq, _, err := old.GateRequest(svc, stage, evaluator.Window{}, "")
		if err != nil {
			return w, false, fmt.Errorf("at the base: %w", err)
		}
		oldSLIs, oldSLO = oldReq.Indicators, oldReq.SLOSource.Content
	}
	w.SLOChanged = oldSLO != newReq.SLOSource.Content
	w.SLIs = changedKeys(oldSLIs, newReq.Indicators)
	if !w.SLOChanged && len(w.SLIs) == 0 {
		return w, false, nil
	}
	records, err := evaluator.History(rd, status, stage, svc, n)
	if err != nil {
		return w, false, err
	}
	for _, rec := range records {
		r := replay(rec, newReq, oldSLIs)
		r.Release = release(rd, rec, svc)
		if r.Changed {
			w.Changed++
		}
		if r.New == nil {
			w.NotReplayed++
		}
		w.Replays = append(w.Replays, r)
	}
	return w, true, nil
}

func evaluates(p *stages.Project, stage string) bool {
	for _, q := range p.Shipyard.Stage(stage).Sequences {
		if q.HasTask(stages.TaskEvaluation) {
			return true
		}
	}
	return false
}

// changedKeys lists, sorted, the keys whose values differ between a and b.
func changedKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// replay scores a record's values with the head's SLO. An objective whose
// value was not recorded, or whose query in force at the head is not the
// one that produced the recorded value, cannot be scored offline: the
// record is then not replayed, with the reason per SLI.
func replay(rec *evaluator.Record, req evaluator.Request, oldSLIs map[string]string) Replay {
	r := Replay{ID: rec.ID, Run: rec.Run, Old: Verdict{Result: rec.Result, Score: rec.Score}}
	if req.SLO == nil {
		// Keptn's rule: without an SLO the gate passes with score 0.
		r.New = &Verdict{Result: evaluator.ResultPass, Score: 0}
		r.Changed = r.New.Result != r.Old.Result
		return r
	}
	ph := req.Placeholders
	ph.Window = rec.Window
	for _, o := range req.SLO.Objectives {
		if why := unreplayable(rec, ph, o.SLI, req.Indicators[o.SLI], oldSLIs[o.SLI]); why != "" {
			r.NotReplayable = append(r.NotReplayable, fmt.Sprintf("%s: %s", o.SLI, why))
		}
	}
	if len(r.NotReplayable) > 0 {
		return r
	}
	again, err := evaluator.Replay(rec, req.SLO)
	if err != nil {
		r.NotReplayable = []string{err.Error()}
		return r
	}
	r.New = &Verdict{Result: again.Result, Score: again.Score}
	r.Changed = r.New.Result != r.Old.Result
	was := map[string]string{}
	for _, o := range rec.Objectives {
		was[o.SLI] = o.Status
	}
	for _, o := range again.Objectives {
		if old, ok := was[o.SLI]; ok && old != o.Status && o.Value != nil {
			r.Objectives = append(r.Objectives, fmt.Sprintf("%s %s: %s → %s", o.SLI, strconv.FormatFloat(*o.Value, 'g', -1, 64), old, o.Status))
		}
	}
	return r
}

// release is the service's pin at the candidate an evaluation delivered,
// or "" when it cannot be read.
func release(rd gitstore.Reader, rec *evaluator.Record, svc string) string {
	if rec.Candidate == "" {
		return ""
	}
	file := path.Join(stages.ServicesDir, svc, "pin.yaml")
	data, err := rd.ReadFile(gitstore.NewHash(rec.Candidate), file)
	if err != nil {
		return ""
	}
	pin, _ := stages.ParsePin(file, data)
	return pin.Summary()
}

// unreplayable says why the recorded value of an SLI cannot stand for what
// the head's query would retrieve, or "". The recorded query (placeholders
// filled) is compared with the head's; a record without queries is
// compared through the base's query.
func unreplayable(rec *evaluator.Record, ph evaluator.Placeholders, sli, query, baseQuery string) string {
	if _, ok := rec.Values[sli]; !ok {
		return "no recorded value (a new SLI)"
	}
	if query == "" {
		return "no query at the head"
	}
	if recorded, ok := rec.Queries[sli]; ok {
		if filled, err := ph.Substitute(query); err == nil {
			if filled != recorded {
				return "the query changed; its recorded value does not apply"
			}
			return ""
		}
	}
	if query != baseQuery {
		return "the query changed; its recorded value does not apply"
	}
	return ""
}
