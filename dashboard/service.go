package dashboard

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/history"
	"github.com/ferrycd/ferry/status"
)

// servicePage is one service: its candidates through the stages, every
// transition, and each stage's evaluations with their charts.
type servicePage struct {
	Key, URL, Service string
	Stages            []string
	Candidates        []candidateRow
	Transitions       []transition
	Evaluations       []stageEvaluations
	Problems          []problemView
	// Charts are the data every chart of the page draws.
	Charts []chart
}

// candidateRow is one candidate (a main commit) across the stages.
type candidateRow struct {
	Candidate, URL string
	// First is the candidate's first transition: when and how it entered.
	First transition
	// Cells hold, per stage in order, the candidate's transitions there,
	// newest first.
	Cells [][]transition
}

// transition is one commit ferry made for the service on a stage branch.
type transition struct {
	history.Entry
	CommitURL string
}

// stageEvaluations are the evaluations of the service in one stage.
type stageEvaluations struct {
	Stage   string
	Records []recordView
}

// recordView is an evaluation record with its objective table.
type recordView struct {
	*evaluator.Record
	API        string
	CommitURL  string
	Objectives []objectiveRow
}

// objectiveRow is one objective as the record scored it.
type objectiveRow struct {
	Name, Value, Pass, Warning, Status, Points string
}

func (s *Server) pageService(w http.ResponseWriter, r *http.Request) {
	st, ok := s.pageState(w, r)
	if !ok {
		return
	}
	p := st.p
	svc := r.PathValue("service")
	data, err := st.service(svc)
	if errors.Is(err, errUnknownService) {
		s.render(w, r, "error", http.StatusNotFound, page{
			Title: "Not Found", Crumbs: []link{{"Projects", "/"}, {p.Key(), "/projects/" + p.Key()}},
			Data: "No service " + svc + " in " + p.Key() + ": the project's status does not name it, and main has no services/" + svc + " directory.",
		})
		return
	}
	if err != nil {
		s.readFail(w, r, err)
		return
	}
	base := "/projects/" + p.Key()
	s.render(w, r, "service", http.StatusOK, page{
		Title: svc + " in " + p.Key(), Crumbs: []link{{"Projects", "/"}, {p.Key(), base}, {svc, data.URL}},
		Live: "/events?project=" + p.Key(), Fragment: data.URL + "?fragment=1", Charts: true, Data: data,
	})
}

func (st *state) service(svc string) (*servicePage, error) {
	base := "/projects/" + st.p.Key()
	sp := &servicePage{Key: st.p.Key(), URL: base + "/services/" + svc, Service: svc}
	if ok, err := st.known(svc); err != nil || !ok {
		return nil, cmp.Or(err, fmt.Errorf("service %s of %s: %w", svc, st.p.Key(), errUnknownService))
	}
	entries, err := st.history(svc)
	if err != nil {
		return nil, err
	}
	sum, err := st.summary()
	if err != nil && !notHeld(err) {
		return nil, err
	}
	sp.Stages = st.stageOrder(sum, entries)
	for _, e := range entries {
		sp.Transitions = append(sp.Transitions, transition{Entry: e, CommitURL: expand(st.p.CommitURL, "{sha}", e.Commit)})
	}
	sp.Candidates = candidates(sp.Transitions, sp.Stages, st.p.CommitURL)
	problems, err := st.problems()
	if err != nil {
		return nil, err
	}
	var mine []status.Problem
	for _, p := range problems {
		if p.Service == svc {
			mine = append(mine, p)
			sp.Problems = append(sp.Problems, st.problemView(p, false))
		}
	}
	for _, stage := range sp.Stages {
		recs, err := st.evaluations(stage, svc)
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			continue
		}
		se := stageEvaluations{Stage: stage}
		for i := len(recs) - 1; i >= 0; i-- {
			se.Records = append(se.Records, st.recordView(recs[i]))
		}
		sp.Evaluations = append(sp.Evaluations, se)
		sp.Charts = append(sp.Charts, stageCharts(stage, recs, problemsIn(mine, stage))...)
	}
	return sp, nil
}

// stageOrder is the shipyard's order as status.json has it, then any
// other stage the history names.
func (st *state) stageOrder(sum *status.Summary, entries []history.Entry) []string {
	var out []string
	if sum != nil {
		out = sum.StageNames()
	}
	for _, e := range entries {
		if !slices.Contains(out, e.Stage) {
			out = append(out, e.Stage)
		}
	}
	return out
}

// candidates groups transitions (newest first) by candidate, the candidate
// that entered last first.
func candidates(ts []transition, stages []string, commitURL string) []candidateRow {
	var out []candidateRow
	index := map[string]int{}
	for _, t := range ts {
		if t.Candidate == "" {
			continue
		}
		i, ok := index[t.Candidate]
		if !ok {
			i = len(out)
			index[t.Candidate] = i
			out = append(out, candidateRow{
				Candidate: t.Candidate, URL: expand(commitURL, "{sha}", t.Candidate),
				Cells: make([][]transition, len(stages)),
			})
		}
		out[i].First = t
		if k := slices.Index(stages, t.Stage); k >= 0 {
			out[i].Cells[k] = append(out[i].Cells[k], t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].First.Time.After(out[j].First.Time) })
	return out
}

func (st *state) recordView(rec *evaluator.Record) recordView {
	rv := recordView{
		Record: rec, API: "/api/v1/projects/" + st.p.Key() + "/evaluations/" + rec.ID +
			"?stage=" + url.QueryEscape(rec.Stage) + "&service=" + url.QueryEscape(rec.Service),
		CommitURL: expand(st.p.CommitURL, "{sha}", rec.Commit),
	}
	for _, o := range rec.Objectives {
		row := objectiveRow{
			Name: o.SLI, Pass: criteriaText(o.Pass), Warning: criteriaText(o.Warning),
			Status: o.Status, Points: evaluator.FormatScore(o.Points),
		}
		if o.DisplayName != "" {
			row.Name = o.DisplayName
		}
		switch {
		case o.Value != nil:
			row.Value = evaluator.FormatScore(*o.Value)
		case o.Error != "":
			row.Value = "error: " + o.Error
		default:
			row.Value = "–"
		}
		if o.Status != evaluator.StatusInfo {
			row.Points += "/" + evaluator.FormatScore(float64(o.Weight))
		}
		if o.DisplayName != "" && o.DisplayName != o.SLI {
			row.Name += " (" + o.SLI + ")"
		}
		if o.KeySLI {
			row.Name += ", key SLI"
		}
		rv.Objectives = append(rv.Objectives, row)
	}
	return rv
}

// criteriaText shows criteria blocks: AND within a block, OR between.
func criteriaText(blocks [][]evaluator.Target) string {
	var or []string
	for _, b := range blocks {
		var and []string
		for _, t := range b {
			s := t.Criterion
			if t.Target != nil && strings.ContainsAny(s, "%+-") {
				s += " (" + evaluator.FormatScore(*t.Target) + ")"
			}
			and = append(and, s)
		}
		or = append(or, strings.Join(and, " and "))
	}
	return strings.Join(or, " or ")
}

// problemsIn keeps the problems of a stage.
func problemsIn(ps []status.Problem, stage string) []status.Problem {
	var out []status.Problem
	for _, p := range ps {
		if p.Stage == stage {
			out = append(out, p)
		}
	}
	return out
}

// unix is a time on a chart's axis: seconds since the epoch.
func unix(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
