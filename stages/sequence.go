package stages

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/yamlfile"
)

// StartSequence returns where a candidate of svc starts: the sequence named
// by the candidate's Ferry-Sequence trailer, else the service's sequence in
// ferry.yaml, else the first sequence of the first stage that no trigger
// starts. A named sequence starts in the first stage, in shipyard order,
// that has a sequence of that name (Keptn's "keptn trigger delivery
// --sequence" named the stage; ferry's stages run in order, so the first
// is the one a candidate enters by). The error says why the candidate
// cannot start: a name the shipyard does not have, or no untriggered
// sequence in the first stage.
func (p *Project) StartSequence(svc, trailer string) (stage, seq string, err error) {
	name := trailer
	if name == "" {
		name = p.Config.Services[svc].Sequence
	}
	if name == "" {
		stage, seq = p.Shipyard.Entry()
		if seq == "" {
			return "", "", fmt.Errorf("stage %q has no sequence without triggers", stage)
		}
		return stage, seq, nil
	}
	if stage = p.Shipyard.FirstStageOf(name); stage == "" {
		return "", "", fmt.Errorf("no sequence %q in shipyard.yaml (sequences: %s)", name, strings.Join(p.Shipyard.SequenceNames(), ", "))
	}
	return stage, name, nil
}

// Settle returns how long a sequence waits for a deployment nothing
// reports: the settle property of its deployment task, else ferry.yaml's
// settle. The merge of an approved proposal is a deployment too, and waits
// as long.
func (p *Project) Settle(stage, seq string) time.Duration {
	def := p.Config.SettleTime()
	if q := p.Shipyard.Sequence(stage, seq); q != nil {
		for i := range q.Tasks {
			if q.Tasks[i].Name == TaskDeployment {
				return q.Tasks[i].DurationProperty("settle", def)
			}
		}
	}
	return def
}

// FirstStageOf returns the first stage, in shipyard order, with a sequence
// named seq, or "".
func (s *Shipyard) FirstStageOf(seq string) string {
	for _, st := range s.Spec.Stages {
		if s.Sequence(st.Name, seq) != nil {
			return st.Name
		}
	}
	return ""
}

// SequenceNames lists the names of the shipyard's sequences once each, in
// shipyard order.
func (s *Shipyard) SequenceNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range s.Spec.Stages {
		for _, q := range st.Sequences {
			if !seen[q.Name] {
				seen[q.Name] = true
				out = append(out, q.Name)
			}
		}
	}
	return out
}

// SequenceFor returns the sequence the candidate's commit names for svc
// (its Ferry-Sequence trailer), or "" for the service's default. A commit
// that also names a service (Ferry-Service) names the sequence of that
// service only.
func (c *Candidate) SequenceFor(svc string) string {
	if c.Trailers.Service != "" && c.Trailers.Service != svc {
		return ""
	}
	return c.Trailers.Sequence
}

// CandidateServices returns, sorted, the services a main commit with the
// given changed paths and Ferry trailers is a candidate for: those of
// [Project.Candidates], and the service an explicit trigger ("ferry
// trigger": Ferry-Sequence and Ferry-Service) names, whatever it changes.
func (p *Project) CandidateServices(changed []string, tr gitstore.FerryTrailers) []string {
	services := p.Candidates(changed)
	svc := tr.Service
	if tr.Sequence != "" && svc != "" && p.Services[svc] != nil && !slices.Contains(services, svc) {
		services = append(services, svc)
		slices.Sort(services)
	}
	return services
}

// checkServiceSequences checks ferry.yaml's services: an entry for a
// service without a directory is a warning (it may come later), a
// sequence the shipyard does not have is an error.
func (l *fileLoader) checkServiceSequences(p *Project) {
	for _, name := range slices.Sorted(maps.Keys(p.Config.Services)) {
		sc := p.Config.Services[name]
		if p.Services[name] == nil {
			l.warnAt(ConfigFile, "services."+name, "no service %q below %s/; the entry has no effect", name, ServicesDir)
		}
		if sc.Sequence != "" && p.Shipyard.FirstStageOf(sc.Sequence) == "" {
			l.errorf(ConfigFile, "services."+name+".sequence", "no sequence %q in shipyard.yaml (sequences: %s)", sc.Sequence, strings.Join(p.Shipyard.SequenceNames(), ", "))
		}
	}
}

// warnAt is errorf as a warning.
func (l *fileLoader) warnAt(file, pathInFile, format string, args ...any) {
	l.errorf(file, pathInFile, format, args...)
	l.diags[len(l.diags)-1].Severity = yamlfile.SeverityWarning
}

// evaluationPath is the path, in shipyard.yaml, of the first evaluation
// task of a stage, for diagnostics about it.
func (s *Shipyard) evaluationPath(stage string) string {
	for i, st := range s.Spec.Stages {
		for j, q := range st.Sequences {
			for k, t := range q.Tasks {
				if st.Name == stage && t.Name == TaskEvaluation {
					return fmt.Sprintf("spec.stages[%d].sequences[%d].tasks[%d].name", i, j, k)
				}
			}
		}
	}
	return ""
}
