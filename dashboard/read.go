package dashboard

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/evaluator"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/history"
	"github.com/ferrycd/ferry/status"
)

// errNoStatus is a project whose ferry/status branch does not exist yet.
var errNoStatus = errors.New("no ferry/status branch yet: ferry has not run a pass")

// errUnknownService is a service status.json does not name and no stage
// branch has a transition of.
var errUnknownService = errors.New("no such service: status.json does not name it, main has no services/ directory of it and the stage branches no recent transition")

// notHeld tells the errors of what Git does not hold: answered 404.
func notHeld(err error) bool {
	return gitstore.IsNotFound(err) || errors.Is(err, errNoStatus) || errors.Is(err, errUnknownService)
}

// state is what one request reads of a project: the refs of one snapshot,
// never re-read halfway through.
type state struct {
	p    Project
	snap gitstore.Snapshot
	// head is the ferry/status commit; zero when there is none.
	head gitstore.Hash
	// parsed is the project's entry in the server's status cache.
	parsed *parsedStatus
}

// load fetches the project's store when the dashboard fetches, and takes
// a snapshot of its local refs.
func (s *Server) load(ctx context.Context, p Project) (*state, error) {
	s.refresh(ctx, p)
	snap, err := p.Store.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("read refs of %s: %w", p.Key(), err)
	}
	return &state{p: p, snap: snap, head: snap.Get(p.Store.FerryRef("status")), parsed: s.cache.of(p)}, nil
}

// statusJSON returns status.json as ferry wrote it.
func (st *state) statusJSON() ([]byte, error) {
	if st.head.IsZero() {
		return nil, errNoStatus
	}
	return st.p.Store.ReadFile(st.head, status.JSONFile)
}

// summary returns status.json, parsed (shared: not to be changed).
func (st *state) summary() (*status.Summary, error) {
	return st.parsed.summary(st)
}

// branch reads ferry/status: slots and problems (shared: not to be
// changed).
func (st *state) branch() (*status.Branch, error) {
	if st.head.IsZero() {
		return nil, errNoStatus
	}
	return st.parsed.branchOf(st)
}

// problems returns every problem, newest first, as `ferry problems` lists
// them.
func (st *state) problems() ([]status.Problem, error) {
	if st.head.IsZero() {
		return []status.Problem{}, nil
	}
	b, err := st.branch()
	if err != nil {
		return nil, err
	}
	return b.Listed(), nil
}

// history returns a service's transitions, newest first.
func (st *state) history(svc string) ([]history.Entry, error) {
	return history.Read(st.p.Store, st.snap, history.Options{Service: svc})
}

// maxEvaluations bounds the records read per stage for a service page.
const maxEvaluations = 100

// evaluations returns a stage's evaluation records of a service, oldest
// first (invalidated ones are left out).
func (st *state) evaluations(stage, svc string) ([]*evaluator.Record, error) {
	recs, err := evaluator.History(st.p.Store.Reader, st.head, stage, svc, maxEvaluations)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs, nil
}

var (
	shaPattern      = regexp.MustCompile(`^[0-9a-f]{40}$`)
	recordIDPattern = regexp.MustCompile(`^[0-9A-Za-z._-]+$`)
)

// maxLedgerScan bounds the stage/service directories of the ledger that
// an evaluation ID without ?stage= and ?service= is looked for in.
const maxLedgerScan = 100

// errBadRequest is a request the API cannot answer as asked: 400.
var errBadRequest = errors.New("bad request")

// evaluation returns an evaluation record as stored: the note on a stage
// commit when id is a full commit SHA, else the ledger file whose name is
// the record's ID (<time>-<run>): in stage and svc's directory when both
// are given, else looked for in at most maxLedgerScan directories.
func (st *state) evaluation(id, stage, svc string) ([]byte, error) {
	rd := st.p.Store.Reader
	if shaPattern.MatchString(id) {
		notes := st.snap.Get(st.p.Store.NotesRef())
		if notes.IsZero() {
			return nil, fmt.Errorf("read note on %s: %w", id, gitstore.ErrNotFound)
		}
		data, err := rd.Note(notes, gitstore.NewHash(id))
		if err != nil {
			return nil, err
		}
		if _, err := evaluator.ParseRecord(data); err != nil {
			return nil, fmt.Errorf("read note on %s: %w", id, err)
		}
		return data, nil
	}
	if !pathName(id) || st.head.IsZero() {
		return nil, fmt.Errorf("find evaluation %q: %w", id, gitstore.ErrNotFound)
	}
	if stage != "" || svc != "" {
		if !pathName(stage) || !pathName(svc) {
			return nil, fmt.Errorf("find evaluation %q: stage %q and service %q: want both, each a name: %w", id, stage, svc, errBadRequest)
		}
		data, err := rd.ReadFile(st.head, evaluator.LedgerPath(stage, svc, id))
		if err != nil {
			return nil, fmt.Errorf("find evaluation %q of %s in %s: %w", id, svc, stage, err)
		}
		return data, nil
	}
	stages, err := rd.ListDir(st.head, evaluator.LedgerDir)
	if err != nil {
		return nil, fmt.Errorf("find evaluation %q: %w", id, err)
	}
	scanned := 0
	for _, stage := range stages {
		svcs, err := rd.ListDir(st.head, evaluator.LedgerDir+"/"+stage)
		if err != nil {
			continue
		}
		for _, svc := range svcs {
			if scanned == maxLedgerScan {
				return nil, fmt.Errorf("find evaluation %q: not in the first %d stage/service directories of the ledger: give ?stage= and ?service=: %w", id, maxLedgerScan, errBadRequest)
			}
			scanned++
			data, err := rd.ReadFile(st.head, evaluator.LedgerPath(stage, svc, id))
			if err == nil {
				return data, nil
			}
		}
	}
	return nil, fmt.Errorf("find evaluation %q: %w", id, gitstore.ErrNotFound)
}

// pathName is a name that is one path element: no separator, not . or ..
func pathName(s string) bool {
	return recordIDPattern.MatchString(s) && s != "." && s != ".."
}

// conditions are the project's conditions: its controller's, else those
// of status.json.
func (st *state) conditions(sum *status.Summary) []metav1.Condition {
	if st.p.Conditions != nil {
		return st.p.Conditions()
	}
	out := []metav1.Condition{}
	if sum == nil {
		return out
	}
	for _, c := range sum.Conditions {
		out = append(out, metav1.Condition{
			Type: c.Type, Status: metav1.ConditionStatus(c.Status), Reason: string(c.Reason), Message: c.Message,
		})
	}
	return out
}

// projects returns the configured projects sorted by key.
func (s *Server) projects() []Project {
	var out []Project
	for _, p := range s.opts.Projects() {
		if p.Store != nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	keep := map[string]bool{}
	for _, p := range out {
		keep[p.Key()] = true
	}
	s.cache.forget(keep)
	return out
}

// expand fills a URL template's placeholder; empty when there is no
// template or no value.
func expand(tmpl, placeholder, value string) string {
	if tmpl == "" || value == "" {
		return ""
	}
	return strings.ReplaceAll(tmpl, placeholder, value)
}

// known reports whether svc is a service of the project: status.json
// names it, main has its directory under services/, or one of the last
// knownWalk commits of a stage branch is its. An unknown name costs a
// bounded read, not a walk of the stage branches' whole history.
func (st *state) known(svc string) (bool, error) {
	if svc == "" || svc == "." || svc == ".." || strings.Contains(svc, "/") {
		return false, nil
	}
	sum, err := st.summary()
	if err != nil && !notHeld(err) {
		return false, err
	}
	if sum != nil && slices.Contains(sum.ServiceNames(), svc) {
		return true, nil
	}
	if main := st.snap.Get(st.p.Store.MainRef()); !main.IsZero() {
		if ok, err := st.p.Store.Exists(main, "services/"+svc); err != nil || ok {
			return ok, err
		}
	}
	// A service since removed from main: known by its recent transitions.
	entries, err := history.Read(st.p.Store, st.snap, history.Options{Service: svc, Limit: 1, MaxWalk: knownWalk})
	return len(entries) > 0, err
}

// knownWalk is how many commits of each stage branch are read to find a
// service that neither status.json nor main names.
const knownWalk = 1000
