package dashboard

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// boardPage is the stage × service board of a project.
type boardPage struct {
	Key, URL   string
	Main       string
	MainURL    string
	Updated    time.Time
	Conditions []metav1.Condition
	// Stages are the columns, in shipyard order.
	Stages []status.StageSummary
	Rows   []boardRow
	// Problems are the open problems.
	Problems []problemView
	Corrupt  []*status.Corruption
	// NoStatus says why there is no board yet: ferry has not run a pass.
	NoStatus string
}

// boardRow is one service across the stages.
type boardRow struct {
	Service, URL string
	Cells        []boardCell
}

// boardCell is one service in one stage.
type boardCell struct {
	Stage string
	*status.ServiceSummary
	Version   string
	Commit    string
	CommitURL string
	// Verdict is the deployed candidate's gate verdict, else the last
	// gate's in this stage.
	Verdict string
	Score   *float64
	// Gate is the last gate's verdict in this stage when it judged
	// another candidate than the one deployed (a release it stopped).
	Gate *status.GateSummary
	// GatePin and GateWhy are what that candidate pinned and what its run
	// ended with, when the last finished run is its.
	GatePin, GateWhy string
	// PullURL links the pull request of a pending approval.
	PullURL string
}

func (s *Server) pageBoard(w http.ResponseWriter, r *http.Request) {
	st, ok := s.pageState(w, r)
	if !ok {
		return
	}
	p := st.p
	base := "/projects/" + p.Key()
	code := http.StatusOK
	data, err := st.board()
	switch {
	case errors.Is(err, errNoStatus), gitstore.IsNotFound(err):
		// A board that waits for the first pass, live so that it
		// shows the first status as soon as it lands.
		code = http.StatusNotFound
		data = &boardPage{Key: p.Key(), URL: base, NoStatus: err.Error(), Conditions: st.conditions(nil)}
	case err != nil:
		s.readFail(w, r, err)
		return
	}
	s.render(w, r, "board", code, page{
		Title: p.Key(), Crumbs: []link{{"Projects", "/"}, {p.Key(), base}},
		Live: "/events?project=" + p.Key(), Fragment: base + "?fragment=1", Data: data,
	})
}

// board reads status.json and the slots (for pull request numbers).
func (st *state) board() (*boardPage, error) {
	sum, err := st.summary()
	if err != nil {
		return nil, err
	}
	b, err := st.branch()
	if err != nil {
		return nil, err
	}
	base := "/projects/" + st.p.Key()
	bp := &boardPage{
		Key: st.p.Key(), URL: base, Main: sum.Main, MainURL: expand(st.p.CommitURL, "{sha}", sum.Main),
		Updated: sum.Updated, Conditions: st.conditions(sum), Stages: sum.Stages, Corrupt: sum.Corrupt,
	}
	for _, svc := range sum.ServiceNames() {
		row := boardRow{Service: svc, URL: base + "/services/" + svc}
		for _, stage := range sum.StageNames() {
			row.Cells = append(row.Cells, st.cell(sum, b, stage, svc))
		}
		bp.Rows = append(bp.Rows, row)
	}
	for _, p := range b.Listed() {
		if p.Status == status.ProblemOpen {
			bp.Problems = append(bp.Problems, st.problemView(p, false))
		}
	}
	return bp, nil
}

func (st *state) cell(sum *status.Summary, b *status.Branch, stage, svc string) boardCell {
	c := boardCell{Stage: stage}
	ss, ok := sum.Service(stage, svc)
	if !ok {
		return c
	}
	c.ServiceSummary = ss
	if d := ss.Deployed; d != nil {
		c.Version = d.Pin
		if c.Version == "" {
			c.Version = shortSHA(d.Candidate)
		}
		c.Commit = d.StageCommit
		c.CommitURL = expand(st.p.CommitURL, "{sha}", d.StageCommit)
		c.Verdict, c.Score = d.Verdict, d.Score
	}
	if g := ss.LastGate; g != nil {
		switch {
		case c.Verdict == "":
			c.Verdict, c.Score = g.Verdict, &g.Score
		case ss.Deployed != nil && g.Candidate != ss.Deployed.Candidate:
			c.Gate = g
			if l := ss.Last; l != nil && l.Candidate == g.Candidate {
				c.GatePin, c.GateWhy = l.Pin, l.Message
			}
		}
	}
	if f := ss.InFlight; f != nil {
		c.PullURL = f.PullRequest
		if slot := b.Slots[status.SlotKey(stage, svc)]; c.PullURL == "" && slot != nil && slot.Current != nil && slot.Current.PullRequest > 0 {
			c.PullURL = expand(st.p.PullURL, "{number}", strconv.Itoa(slot.Current.PullRequest))
		}
	}
	return c
}
