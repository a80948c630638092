package dashboard

import (
	"net/http"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/status"
)

// problemView is a problem with links to its service, its actions' commits
// and their evaluations.
type problemView struct {
	status.Problem
	ServiceURL string
	Actions    []actionView
}

// actionView is one remediation action and what came of it.
type actionView struct {
	*status.ProblemAction
	CommitURL string
	// Evaluation is the API URL of the record noted on the action's
	// commit, once the action was judged, and Record that record.
	Evaluation string
	Record     *recordView
}

// problemView links a problem; with records, each judged action carries
// its evaluation record (the problems page shows them; the board and the
// service page, which show the records elsewhere, do not).
func (st *state) problemView(p status.Problem, records bool) problemView {
	base := "/projects/" + st.p.Key()
	v := problemView{Problem: p, ServiceURL: base + "/services/" + p.Service}
	for _, a := range p.Actions {
		av := actionView{ProblemAction: a, CommitURL: expand(st.p.CommitURL, "{sha}", a.Commit)}
		if a.Commit != "" && a.Result != "" {
			av.Evaluation = "/api/v1/projects/" + st.p.Key() + "/evaluations/" + a.Commit
			if rec := st.noted(a.Commit); records && rec != nil {
				rv := st.recordView(rec)
				av.Record = &rv
			}
		}
		v.Actions = append(v.Actions, av)
	}
	return v
}

// problemsPage lists every problem of a project, newest first.
type problemsPage struct {
	Key, URL string
	Problems []problemView
}

func (s *Server) pageProblems(w http.ResponseWriter, r *http.Request) {
	st, ok := s.pageState(w, r)
	if !ok {
		return
	}
	p := st.p
	problems, err := st.problems()
	if err != nil {
		s.readFail(w, r, err)
		return
	}
	base := "/projects/" + p.Key()
	data := problemsPage{Key: p.Key(), URL: base}
	for _, pr := range problems {
		data.Problems = append(data.Problems, st.problemView(pr, true))
	}
	s.render(w, r, "problems", http.StatusOK, page{
		Title: "Problems of " + p.Key(), Crumbs: []link{{"Projects", "/"}, {p.Key(), base}, {"Problems", base + "/problems"}},
		Live: "/events?project=" + p.Key(), Fragment: base + "/problems?fragment=1", Data: data,
	})
}

// noted returns the evaluation record noted on a commit, or nil.
func (st *state) noted(sha string) *evaluator.Record {
	data, err := st.evaluation(sha, "", "")
	if err != nil {
		return nil
	}
	rec, err := evaluator.ParseRecord(data)
	if err != nil || rec.Result == "" {
		return nil
	}
	return rec
}
