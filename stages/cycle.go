package stages

import (
	"fmt"
	"strings"

	"github.com/ferrycd/ferry/internal/yamlfile"
)

// validateCycles rejects triggers that form a cycle a candidate can enter:
// a sequence started, directly or through others, by its own end would
// start runs forever. A selector does not break a cycle (a cycle on fail
// runs as long as the runs fail), so every trigger is an edge. Edges are
// added in shipyard order, and each cycle is reported at the trigger that
// closes it.
//
// Runs start at the entry sequence and follow triggers, so a cycle no
// candidate reaches never runs: Keptn's remediation sequence, triggered by
// its own failed evaluation to try the next action, is one (ferry's
// remediation loop walks the actions instead), and is left alone.
func (s *Shipyard) validateCycles(d *yamlfile.Doc) {
	type edge struct {
		from, to SequenceRef
		path     string
	}
	var edges []edge
	all := map[SequenceRef][]SequenceRef{}
	for i, st := range s.Spec.Stages {
		for j, seq := range st.Sequences {
			to := SequenceRef{Stage: st.Name, Sequence: seq.Name}
			for k, tr := range seq.TriggeredOn {
				stage, name, ok := parseEvent(tr.Event)
				if !ok || s.Sequence(stage, name) == nil {
					continue // reported by validateTrigger
				}
				from := SequenceRef{Stage: stage, Sequence: name}
				edges = append(edges, edge{from, to, fmt.Sprintf("spec.stages[%d].sequences[%d].triggeredOn[%d].event", i, j, k)})
				all[from] = append(all[from], to)
			}
		}
	}
	stage, seq := s.Entry()
	if seq == "" {
		return // nothing runs
	}
	entry := SequenceRef{Stage: stage, Sequence: seq}
	next := map[SequenceRef][]SequenceRef{}
	for _, e := range edges {
		if findPath(all, entry, e.from) == nil {
			continue
		}
		if path := findPath(next, e.to, e.from); path != nil {
			cycle := append([]SequenceRef{e.from}, path...)
			d.Errorf(e.path, "triggers form a cycle: %s; each run would start the next forever", spell(cycle))
		}
		next[e.from] = append(next[e.from], e.to)
	}
}

// findPath returns the sequences on a path of triggers from a to b, both
// included, or nil when there is none.
func findPath(next map[SequenceRef][]SequenceRef, a, b SequenceRef) []SequenceRef {
	prev := map[SequenceRef]SequenceRef{a: a}
	queue := []SequenceRef{a}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == b {
			var path []SequenceRef
			for ; n != a; n = prev[n] {
				path = append(path, n)
			}
			path = append(path, a)
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return path
		}
		for _, m := range next[n] {
			if _, seen := prev[m]; !seen {
				prev[m] = n
				queue = append(queue, m)
			}
		}
	}
	return nil
}

func spell(refs []SequenceRef) string {
	parts := make([]string, len(refs))
	for i, r := range refs {
		parts[i] = r.Stage + "." + r.Sequence
	}
	return strings.Join(parts, " → ")
}
