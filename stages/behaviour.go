package stages

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/ferrycd/ferry/remediator"
)

// checkBehaviour warns about files that are valid but cannot behave as
// their author likely meant: a test that can only time out, a sequence
// nothing starts, a remediation nothing can trigger or check.
func (l *fileLoader) checkBehaviour(p *Project) {
	for i, sub := range p.Config.Subscriptions {
		for j, stage := range sub.Stages {
			if p.Shipyard.Stage(stage) == nil {
				l.errorf(ConfigFile, fmt.Sprintf("subscriptions[%d].stages[%d]", i, j), "no stage %q in shipyard.yaml (stages: %s)", stage, strings.Join(p.Shipyard.StageNames(), ", "))
			}
		}
	}
	for i, stage := range p.Config.Verify.Stages {
		if p.Shipyard.Stage(stage) == nil {
			l.warnAt(ConfigFile, fmt.Sprintf("verify.stages[%d]", i), "no stage %q in shipyard.yaml (stages: %s); the signature check never applies", stage, strings.Join(p.Shipyard.StageNames(), ", "))
		}
	}
	l.checkTests(p)
	l.checkReachable(p)
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		l.checkRemediation(p, p.Services[name])
	}
}

// checkTests warns about test tasks with neither a duration nor a
// subscriber: nothing announces them, so they end by a report or fail at
// the timeout.
func (l *fileLoader) checkTests(p *Project) {
	for i, st := range p.Shipyard.Spec.Stages {
		for j, q := range st.Sequences {
			for k, t := range q.Tasks {
				if t.Name != TaskTest || t.Property("duration") != "" || p.Config.Subscribed(TaskTest, st.Name) {
					continue
				}
				l.warnAt(ShipyardFile, fmt.Sprintf("spec.stages[%d].sequences[%d].tasks[%d].name", i, j, k),
					"the test of %s.%s has neither a duration nor a subscriber (ferry.yaml subscriptions): it ends only by a report to /api/v1/reports or /api/v1/events, else fails at the timeout",
					st.Name, q.Name)
			}
		}
	}
}

// checkReachable warns about sequences that never start: no service
// starts them, no sequence that starts triggers them, and they are not
// remediation sequences (those start on an alert).
func (l *fileLoader) checkReachable(p *Project) {
	type seqRef struct{ stage, seq string }
	reached := map[seqRef]bool{}
	for _, svc := range slices.Sorted(maps.Keys(p.Services)) {
		if stage, seq, err := p.StartSequence(svc, ""); err == nil {
			reached[seqRef{stage, seq}] = true
		}
	}
	if len(p.Services) == 0 {
		stage, seq := p.Shipyard.Entry()
		reached[seqRef{stage, seq}] = true
	}
	for _, st := range p.Shipyard.Spec.Stages {
		for _, q := range st.Sequences {
			if q.HasTask(TaskGetAction) || q.HasTask(TaskAction) {
				reached[seqRef{st.Name, q.Name}] = true
			}
		}
	}
	for grew := true; grew; {
		grew = false
		for _, st := range p.Shipyard.Spec.Stages {
			for _, q := range st.Sequences {
				if reached[seqRef{st.Name, q.Name}] {
					continue
				}
				for _, tr := range q.TriggeredOn {
					if from, seq, ok := parseEvent(tr.Event); ok && reached[seqRef{from, seq}] {
						reached[seqRef{st.Name, q.Name}], grew = true, true
						break
					}
				}
			}
		}
	}
	// Warn once per chain, at the sequence that starts it: those it
	// triggers are named in the same warning.
	for i, st := range p.Shipyard.Spec.Stages {
		for j, q := range st.Sequences {
			if reached[seqRef{st.Name, q.Name}] || p.triggeredByAny(q) {
				continue
			}
			how := "nothing starts it"
			if p.Shipyard.FirstStageOf(q.Name) == st.Name {
				how = fmt.Sprintf("only a commit with a Ferry-Sequence trailer (ferry trigger SERVICE --sequence %s) or services.<svc>.sequence in ferry.yaml starts it", q.Name)
			}
			also := ""
			if down := p.Shipyard.triggeredFrom(st.Name, q.Name); len(down) > 0 {
				also = fmt.Sprintf(" (nor %s, which it triggers)", strings.Join(down, ", "))
			}
			l.warnAt(ShipyardFile, fmt.Sprintf("spec.stages[%d].sequences[%d].name", i, j),
				"sequence %s.%s never starts on its own%s: no service starts it and no sequence that runs triggers it; %s", st.Name, q.Name, also, how)
		}
	}
}

// triggeredByAny reports whether a trigger of q names a sequence of the
// shipyard.
func (p *Project) triggeredByAny(q Sequence) bool {
	for _, tr := range q.TriggeredOn {
		if from, seq, ok := parseEvent(tr.Event); ok && p.Shipyard.Sequence(from, seq) != nil {
			return true
		}
	}
	return false
}

// triggeredFrom lists, as stage.sequence, every sequence that the end of
// stage.seq starts, directly or through others.
func (s *Shipyard) triggeredFrom(stage, seq string) []string {
	seen := map[string]bool{stage + "." + seq: true}
	var out []string
	for queue := []string{stage + "." + seq}; len(queue) > 0; queue = queue[1:] {
		for _, st := range s.Spec.Stages {
			for _, q := range st.Sequences {
				name := st.Name + "." + q.Name
				for _, tr := range q.TriggeredOn {
					if tr.Event == queue[0]+".finished" && !seen[name] {
						seen[name] = true
						out = append(out, name)
						queue = append(queue, name)
					}
				}
			}
		}
	}
	return out
}

// checkRemediation warns about a service's remediation files that nothing
// can act on: in force in a stage without an SLO (no alert is generated
// and no action can be checked), or listing problem types that no alert
// ferry generates carries.
func (l *fileLoader) checkRemediation(p *Project, s *Service) {
	remediating := remediationStages(p)
	noSLO := map[string][]string{} // file → stages
	alerts := map[string]map[string][]string{}
	for _, stage := range remediating {
		rem := p.Remediation(s.Name, stage)
		if rem == nil {
			continue
		}
		file := remediationFile(s, stage)
		if slo, _ := p.SLO(s.Name, stage); slo == nil {
			noSLO[file] = append(noSLO[file], stage)
			continue
		}
		rules, err := p.AlertRules(s.Name, stage)
		if err != nil || p.Config.Alerts.ProblemLabel != "alertname" {
			continue // the error is reported with the SLO; other labels are not ferry's to check
		}
		if alerts[file] == nil {
			alerts[file] = map[string][]string{}
		}
		var names []string
		for _, r := range rules {
			names = append(names, r.Alert)
		}
		alerts[file][stage] = names
	}
	for _, file := range slices.Sorted(maps.Keys(noSLO)) {
		l.warnAt(file, "", "remediation in %s, where %s has no SLO: ferry generates no alert to open a problem there, and no action can be checked",
			strings.Join(noSLO[file], ", "), s.Name)
	}
	for _, file := range slices.Sorted(maps.Keys(alerts)) {
		l.checkProblemTypes(file, s, remediationOf(s, file), alerts[file])
	}
}

func (l *fileLoader) checkProblemTypes(file string, s *Service, rem *remediator.Remediation, byStage map[string][]string) {
	for i, pt := range rem.Spec.Remediations {
		if pt.ProblemType == remediator.DefaultProblem {
			continue
		}
		var missing []string
		var names []string
		for _, stage := range slices.Sorted(maps.Keys(byStage)) {
			if !slices.Contains(byStage[stage], pt.ProblemType) {
				missing = append(missing, stage)
				names = append(names, byStage[stage]...)
			}
		}
		if len(missing) == 0 {
			continue
		}
		slices.Sort(names)
		generated := "none"
		if names = slices.Compact(names); len(names) > 0 {
			generated = strings.Join(names, ", ")
		}
		l.warnAt(file, fmt.Sprintf("spec.remediations[%d].problemType", i),
			"problemType %q matches no alert ferry generates for %s in %s (generated: %s; alerts are named after the SLI): only an alert from elsewhere with alertname=%q opens it",
			pt.ProblemType, s.Name, strings.Join(missing, ", "), generated, pt.ProblemType)
	}
}

// remediationStages lists the stages with a remediation sequence.
func remediationStages(p *Project) []string {
	var out []string
	for _, st := range p.Shipyard.Spec.Stages {
		for _, q := range st.Sequences {
			if q.HasTask(TaskGetAction) || q.HasTask(TaskAction) {
				out = append(out, st.Name)
				break
			}
		}
	}
	return out
}

// remediationFile is the path of the remediation file in force for a
// service in a stage.
func remediationFile(s *Service, stage string) string {
	if ss := s.Stages[stage]; ss != nil && ss.Remediation != nil {
		return path.Join(ServicesDir, s.Name, "stages", stage, "remediation.yaml")
	}
	return path.Join(ServicesDir, s.Name, "remediation.yaml")
}

func remediationOf(s *Service, file string) *remediator.Remediation {
	for stage, ss := range s.Stages {
		if ss.Remediation != nil && file == remediationFile(s, stage) {
			return ss.Remediation
		}
	}
	return s.Remediation
}

// Subscribed reports whether a subscription of ferry.yaml announces task
// in stage.
func (c *Config) Subscribed(task, stage string) bool {
	for _, s := range c.Subscriptions {
		if slices.Contains(s.Tasks, task) && (len(s.Stages) == 0 || slices.Contains(s.Stages, stage)) {
			return true
		}
	}
	return false
}
