package dashboard

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/history"
)

// ProjectInfo is one project in GET /api/v1/projects.
type ProjectInfo struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Status is the URL of the project's status.json in this API.
	Status string `json:"status"`
	// Main is the main commit status.json was computed from.
	Main string `json:"main,omitempty"`
	// StatusCommit is the ferry/status commit read.
	StatusCommit string `json:"statusCommit,omitempty"`
	// Conditions are the controller's conditions, else status.json's.
	Conditions []metav1.Condition `json:"conditions"`
	// Error says why the project's status could not be read.
	Error string `json:"error,omitempty"`
}

// MaxHistoryLimit is the largest ?limit= the history route takes: a
// request reads at most that many transitions.
const MaxHistoryLimit = 1000

// apiError is the body of every error the API returns.
type apiError struct {
	Error string `json:"error"`
}

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) {
	out := []ProjectInfo{}
	for _, p := range s.projects() {
		out = append(out, s.projectInfo(r, p))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) projectInfo(r *http.Request, p Project) ProjectInfo {
	info := ProjectInfo{
		Namespace: p.Namespace, Name: p.Name,
		Status: "/api/v1/projects/" + p.Key() + "/status", Conditions: []metav1.Condition{},
	}
	st, err := s.load(r.Context(), p)
	if err != nil {
		info.Error = err.Error()
		return info
	}
	info.StatusCommit = hashOr(st.head)
	sum, err := st.summary()
	if err != nil {
		info.Error = err.Error()
	} else {
		info.Main = sum.Main
	}
	info.Conditions = st.conditions(sum)
	return info
}

func hashOr(h gitstore.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiState(w, r)
	if !ok {
		return
	}
	data, err := st.statusJSON()
	if err != nil {
		s.apiFail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", `"`+st.head.String()+`"`)
	_, _ = w.Write(data)
}

func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiState(w, r)
	if !ok {
		return
	}
	opts := history.Options{Service: r.PathValue("service"), Stage: r.URL.Query().Get("stage")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "limit " + strconv.Quote(v) + ": want a positive number"})
			return
		}
		if n > MaxHistoryLimit {
			writeJSON(w, http.StatusBadRequest, apiError{Error: "limit " + v + ": at most " + strconv.Itoa(MaxHistoryLimit)})
			return
		}
		opts.Limit = n
	}
	if ok, err := st.known(opts.Service); err != nil || !ok {
		s.apiFail(w, cmp.Or(err, fmt.Errorf("service %s of %s: %w", opts.Service, st.p.Key(), errUnknownService)))
		return
	}
	if opts.Stage != "" && st.snap.Get(st.p.Store.StageRef(opts.Stage)).IsZero() {
		writeJSON(w, http.StatusNotFound, apiError{Error: "stage " + strconv.Quote(opts.Stage) + ": " + st.p.Key() + " has no branch of it"})
		return
	}
	entries, err := history.Read(st.p.Store, st.snap, opts)
	if err != nil {
		s.apiFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, entries)
}

func (s *Server) apiEvaluation(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiState(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	data, err := st.evaluation(r.PathValue("id"), q.Get("stage"), q.Get("service"))
	if errors.Is(err, errBadRequest) {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	if err != nil {
		s.apiFail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}

func (s *Server) apiProblems(w http.ResponseWriter, r *http.Request) {
	st, ok := s.apiState(w, r)
	if !ok {
		return
	}
	problems, err := st.problems()
	if err != nil {
		s.apiFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, problems)
}

// apiState loads the project a request addresses, or answers 404.
func (s *Server) apiState(w http.ResponseWriter, r *http.Request) (*state, bool) {
	p, ok := s.project(r)
	if !ok {
		writeJSON(w, http.StatusNotFound, apiError{Error: "no project " + r.PathValue("namespace") + "/" + r.PathValue("name")})
		return nil, false
	}
	st, err := s.load(r.Context(), p)
	if err != nil {
		s.apiFail(w, err)
		return nil, false
	}
	return st, true
}

// apiFail answers an error: 404 for what Git does not hold, 500 else.
func (s *Server) apiFail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if notHeld(err) {
		code = http.StatusNotFound
	} else {
		s.opts.Log.Error(err, "read failed")
	}
	writeJSON(w, code, apiError{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
