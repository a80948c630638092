package reconciler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ServiceStatus is one service in one stage, as status.json shows it.
type ServiceStatus struct {
	Candidate string   `json:"candidate,omitempty"`
	Pin       string   `json:"pin,omitempty"`
	Phase     string   `json:"phase"`
	Sequence  string   `json:"sequence,omitempty"`
	Task      string   `json:"task,omitempty"`
	Waiting   string   `json:"waiting,omitempty"`
	Run       string   `json:"run,omitempty"`
	Verdict   string   `json:"verdict,omitempty"`
	Score     *float64 `json:"score,omitempty"`
	Since     string   `json:"since,omitempty"`
	Message   string   `json:"message,omitempty"`
	Queue     int      `json:"queue"`
	Released  string   `json:"released,omitempty"`
}

// Status is status.json.
type Status struct {
	Updated string `json:"updated"`
	Error   string `json:"error,omitempty"`
	// Stages maps stage, then service, to its status.
	Stages map[string]map[string]ServiceStatus `json:"stages"`
}

func statusOf(st *State, now time.Time) Status {
	out := Status{Updated: now.Format(time.RFC3339), Error: st.Error, Stages: map[string]map[string]ServiceStatus{}}
	for _, k := range st.keys() {
		s := st.Slots[k]
		ss := ServiceStatus{Phase: "idle", Queue: len(s.Queue)}
		if s.Released != nil {
			ss.Released = s.Released.Pin
		}
		run := s.Current
		switch {
		case run != nil:
		case len(s.Queue) > 0:
			run = s.Queue[0]
		default:
			run = s.Last
		}
		if run != nil {
			ss.Candidate, ss.Pin, ss.Phase, ss.Sequence, ss.Run = run.Candidate, run.Pin, run.Phase, run.Sequence, run.ID
			ss.Waiting, ss.Message, ss.Since = run.Waiting, run.Message, run.Since.Format(time.RFC3339)
		}
		if g := s.Gate; g != nil {
			score := g.Score
			ss.Verdict, ss.Score = g.Result, &score
		}
		if out.Stages[s.Stage] == nil {
			out.Stages[s.Stage] = map[string]ServiceStatus{}
		}
		out.Stages[s.Stage][s.Service] = ss
	}
	return out
}

func renderStatusJSON(st *State, now time.Time) []byte {
	b, _ := json.MarshalIndent(statusOf(st, now), "", "  ")
	return append(b, '\n')
}

// renderStatusMD renders the dashboard: a stage × service table.
func renderStatusMD(st *State, now time.Time) []byte {
	s := statusOf(st, now)
	stages := map[string]bool{}
	services := map[string]bool{}
	var stageOrder []string
	for _, k := range st.keys() {
		slot := st.Slots[k]
		if !stages[slot.Stage] {
			stages[slot.Stage] = true
			stageOrder = append(stageOrder, slot.Stage)
		}
		services[slot.Service] = true
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# ferry status\n\nUpdated %s.\n\n", s.Updated)
	if s.Error != "" {
		fmt.Fprintf(&b, "> **Stalled:** main cannot be read; runs that need it wait.\n>\n> ```\n> %s\n> ```\n\n", strings.ReplaceAll(s.Error, "\n", "\n> "))
	}
	svcs := make([]string, 0, len(services))
	for k := range services {
		svcs = append(svcs, k)
	}
	sort.Strings(svcs)
	b.WriteString("| service |")
	for _, stage := range stageOrder {
		fmt.Fprintf(&b, " %s |", stage)
	}
	b.WriteString("\n|---|")
	for range stageOrder {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, svc := range svcs {
		fmt.Fprintf(&b, "| **%s** |", svc)
		for _, stage := range stageOrder {
			fmt.Fprintf(&b, " %s |", cell(s.Stages[stage][svc]))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nEach cell: version, verdict and score, phase (what it waits for), since. The ledger of evaluations is in `ledger/`, runs in `runs/`.\n")
	return b.Bytes()
}

func cell(ss ServiceStatus) string {
	if ss.Phase == "" || ss.Phase == "idle" && ss.Pin == "" {
		return "–"
	}
	parts := []string{}
	if ss.Pin != "" {
		parts = append(parts, "`"+ss.Pin+"`")
	}
	if ss.Verdict != "" {
		v := ss.Verdict
		if ss.Score != nil {
			v += " " + fmtScore(*ss.Score)
		}
		parts = append(parts, v)
	}
	phase := ss.Phase
	if ss.Waiting != "" {
		phase += " (" + ss.Waiting + ")"
	}
	if ss.Queue > 0 {
		phase += fmt.Sprintf(", %d queued", ss.Queue)
	}
	parts = append(parts, phase)
	if ss.Since != "" {
		parts = append(parts, "since "+ss.Since)
	}
	return strings.Join(parts, " · ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
