package plan

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ferrycd/ferry/stages"
)

// changes says in words what changed in how candidates move: the
// shipyard's stages, sequences, tasks, approvals and triggers, the holds,
// and ferry.yaml.
func changes(old, cur *stages.Project, now time.Time) []string {
	out := []string{}
	if old == nil {
		return out
	}
	out = append(out, shipyardChanges(old.Shipyard, cur.Shipyard)...)
	out = append(out, holdChanges(holdFiles(old), holdFiles(cur), now)...)
	out = append(out, configChanges(old.Config, cur.Config)...)
	return out
}

func shipyardChanges(a, b *stages.Shipyard) []string {
	var out []string
	for _, st := range b.Spec.Stages {
		if a.Stage(st.Name) == nil {
			out = append(out, fmt.Sprintf("stage %s added (sequences: %s)", st.Name, sequenceNames(st)))
		}
	}
	for _, st := range a.Spec.Stages {
		if b.Stage(st.Name) == nil {
			out = append(out, fmt.Sprintf("stage %s removed", st.Name))
		}
	}
	if ka, kb := kept(a.StageNames(), b), kept(b.StageNames(), a); !slices.Equal(ka, kb) {
		out = append(out, fmt.Sprintf("stages now run in the order %s (were %s)", strings.Join(kb, ", "), strings.Join(ka, ", ")))
	}
	for _, st := range b.Spec.Stages {
		if a.Stage(st.Name) == nil {
			continue
		}
		for _, q := range st.Sequences {
			old := a.Sequence(st.Name, q.Name)
			if old == nil {
				out = append(out, fmt.Sprintf("%s: sequence %s added (tasks: %s)", st.Name, q.Name, taskNames(q)))
				continue
			}
			out = append(out, sequenceChanges(st.Name+"."+q.Name, old, &q)...)
		}
		for _, q := range a.Stage(st.Name).Sequences {
			if b.Sequence(st.Name, q.Name) == nil {
				out = append(out, fmt.Sprintf("%s: sequence %s removed", st.Name, q.Name))
			}
		}
	}
	return out
}

// kept lists the stages of names that other has too, in order.
func kept(names []string, other *stages.Shipyard) []string {
	var out []string
	for _, n := range names {
		if other.Stage(n) != nil {
			out = append(out, n)
		}
	}
	return out
}

func sequenceChanges(name string, a, b *stages.Sequence) []string {
	var out []string
	if ta, tb := taskNames(*a), taskNames(*b); ta != tb {
		out = append(out, fmt.Sprintf("%s: tasks changed from %s to %s", name, ta, tb))
	}
	for _, result := range []string{stages.ResultPass, stages.ResultWarning} {
		if ma, mb := approvalMode(a, result), approvalMode(b, result); ma != mb {
			out = append(out, fmt.Sprintf("%s: approval on %s changed from %s to %s", name, result, ma, mb))
		}
	}
	ea, eb := triggerTexts(a), triggerTexts(b)
	for _, t := range eb {
		if !slices.Contains(ea, t) {
			out = append(out, fmt.Sprintf("%s: trigger %s added", name, t))
		}
	}
	for _, t := range ea {
		if !slices.Contains(eb, t) {
			out = append(out, fmt.Sprintf("%s: trigger %s removed", name, t))
		}
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if t.Name == stages.TaskApproval {
			continue
		}
		for j := range a.Tasks {
			if u := &a.Tasks[j]; u.Name == t.Name && (!reflect.DeepEqual(u.Properties, t.Properties) || u.TriggeredAfter != t.TriggeredAfter) {
				out = append(out, fmt.Sprintf("%s: task %s changed (properties %s, was %s)", name, t.Name, taskSettings(t), taskSettings(u)))
				break
			}
		}
	}
	return out
}

// approvalMode is what an approval task of the sequence does on a result:
// manual, automatic, or "no approval" without such a task.
func approvalMode(q *stages.Sequence, result string) string {
	for i := range q.Tasks {
		if q.Tasks[i].Name == stages.TaskApproval {
			if q.Tasks[i].Property(result) == "manual" {
				return "manual"
			}
			return "automatic"
		}
	}
	return "no approval"
}

func taskSettings(t *stages.Task) string {
	keys := slices.Sorted(maps.Keys(t.Properties))
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, t.Properties[k]))
	}
	if t.TriggeredAfter != "" {
		parts = append(parts, "triggeredAfter="+t.TriggeredAfter)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func triggerTexts(q *stages.Sequence) []string {
	out := make([]string, 0, len(q.TriggeredOn))
	for _, tr := range q.TriggeredOn {
		t := tr.Event
		if len(tr.Selector.Match) > 0 {
			var m []string
			for _, k := range slices.Sorted(maps.Keys(tr.Selector.Match)) {
				m = append(m, k+"="+tr.Selector.Match[k])
			}
			t += " (" + strings.Join(m, ", ") + ")"
		}
		out = append(out, t)
	}
	return out
}

func sequenceNames(st stages.Stage) string {
	names := make([]string, len(st.Sequences))
	for i, q := range st.Sequences {
		names[i] = q.Name
	}
	return strings.Join(names, ", ")
}

func taskNames(q stages.Sequence) string {
	names := make([]string, len(q.Tasks))
	for i, t := range q.Tasks {
		names[i] = t.Name
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// heldOn is where a hold file applies, with the hold.
type heldOn struct {
	where string
	hold  *stages.Hold
}

// holdFiles lists a project's holds by file.
func holdFiles(p *stages.Project) map[string]heldOn {
	out := map[string]heldOn{}
	for stage, h := range p.Holds {
		out[h.File] = heldOn{stage, h}
	}
	for svc, s := range p.Services {
		for stage, ss := range s.Stages {
			if ss.Hold != nil {
				out[ss.Hold.File] = heldOn{svc + " in " + stage, ss.Hold}
			}
		}
	}
	return out
}

func holdChanges(a, b map[string]heldOn, now time.Time) []string {
	var out []string
	for _, file := range slices.Sorted(maps.Keys(b)) {
		h, old := b[file], a[file]
		switch {
		case old.hold == nil:
			out = append(out, fmt.Sprintf("hold on %s added (%s)", h.where, holdText(h.hold, now)))
		case *old.hold != *h.hold:
			out = append(out, fmt.Sprintf("hold on %s changed (%s; was %s)", h.where, holdText(h.hold, now), holdText(old.hold, now)))
		}
	}
	for _, file := range slices.Sorted(maps.Keys(a)) {
		if _, ok := b[file]; !ok {
			out = append(out, fmt.Sprintf("hold on %s lifted (was %s)", a[file].where, holdText(a[file].hold, now)))
		}
	}
	return out
}

func holdText(h *stages.Hold, now time.Time) string {
	until := "until the file is removed"
	if h.Until != "" {
		until = "until " + h.Until
		if !h.InForce(now) {
			until += ", already over"
		}
	}
	s := until + ", reason " + fmt.Sprintf("%q", h.Reason)
	if h.Remediation {
		s += ", remediation held too"
	}
	return s
}

func configChanges(a, b *stages.Config) []string {
	if reflect.DeepEqual(a, b) {
		return nil
	}
	var out []string
	names := map[string]bool{}
	for k := range a.Services {
		names[k] = true
	}
	for k := range b.Services {
		names[k] = true
	}
	for _, svc := range slices.Sorted(maps.Keys(names)) {
		if x, y := a.Services[svc].Sequence, b.Services[svc].Sequence; x != y {
			out = append(out, fmt.Sprintf("%s: candidates start sequence %s (was %s)", svc, orDefault(y), orDefault(x)))
		}
	}
	ca, cb := *a, *b
	ca.Services, cb.Services = nil, nil
	if !reflect.DeepEqual(ca, cb) {
		out = append(out, "ferry.yaml's settings changed")
	}
	return out
}

func orDefault(s string) string {
	if s == "" {
		return "the default"
	}
	return s
}
