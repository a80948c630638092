package status

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ferrycd/ferry/gitstore"
)

// Branch is ferry/status as read at one commit.
type Branch struct {
	// Commit is the commit read; zero when the branch does not exist yet.
	Commit gitstore.Hash
	State  *State
	// Slots are the (stage, service) pairs that read, by SlotKey.
	Slots map[string]*Slot
	// Problems are every problem that read, open or ended, by id order.
	Problems []*Problem
	// Reports are the reports not yet consumed, oldest first.
	Reports []*Report
	// Corrupt lists the files that do not parse: their items are left out
	// and never written back.
	Corrupt []*Corruption

	raw map[string]string // path -> content as read
}

// Corruption is a file on ferry/status that does not parse.
type Corruption struct {
	// File is the path on ferry/status.
	File string `json:"file"`
	// Stage and Service name a run file's slot; Problem a problem file's id.
	Stage   string `json:"stage,omitempty"`
	Service string `json:"service,omitempty"`
	Problem string `json:"problem,omitempty"`
	Err     string `json:"error"`
}

// Error says which file is bad and why.
func (c *Corruption) Error() string { return fmt.Sprintf("read %s: %s", c.File, c.Err) }

// Cache keeps parsed slot files by content: most slots do not change
// between passes, and parsing them is most of a pass's reading. The zero
// Cache is ready; it is not safe for concurrent use.
type Cache struct {
	parsed map[string]*Slot
}

// maxCachedSlots bounds the cache; it starts over when full.
const maxCachedSlots = 50000

// parse returns a copy of the slot a file holds, the caller's to change.
func (c *Cache) parse(data []byte) (*Slot, error) {
	if c == nil {
		return ParseSlot(data)
	}
	if s, ok := c.parsed[string(data)]; ok {
		return s.Clone(), nil
	}
	s, err := ParseSlot(data)
	if err != nil {
		return nil, err
	}
	if c.parsed == nil || len(c.parsed) >= maxCachedSlots {
		c.parsed = map[string]*Slot{}
	}
	c.parsed[string(data)] = s
	return s.Clone(), nil
}

// ParseSlot reads a slot file, runs/<stage>/<svc>.yaml.
func ParseSlot(data []byte) (*Slot, error) {
	var s Slot
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	if s.Stage == "" || s.Service == "" {
		return nil, fmt.Errorf("stage and service are required")
	}
	if err := noNullRuns("queue", s.Queue); err != nil {
		return nil, err
	}
	return &s, nil
}

// noNullRuns rejects a list of runs with an empty (null) entry, which a
// hand edit leaves and nothing downstream expects.
func noNullRuns(field string, runs []*Run) error {
	for i, r := range runs {
		if r == nil {
			return fmt.Errorf("%s[%d] is empty", field, i)
		}
	}
	return nil
}

// ParseProblem reads a problem file, problems/<id>.yaml.
func ParseProblem(data []byte) (*Problem, error) {
	var p Problem
	if err := yaml.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	for i, a := range p.Actions {
		if a == nil {
			return nil, fmt.Errorf("actions[%d] is empty", i)
		}
	}
	return &p, nil
}

// ParseReport reads a report file, reports/<name>.json.
func ParseReport(data []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseState reads state.yaml. A state newer than FormatVersion is an
// error: this ferry would lose what it does not know.
func ParseState(data []byte) (*State, error) {
	st := &State{}
	if err := yaml.Unmarshal(data, st); err != nil {
		return nil, err
	}
	if st.Version > FormatVersion {
		return nil, fmt.Errorf("format version %d is newer than this ferry reads (%d): upgrade ferry", st.Version, FormatVersion)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Deferred)) {
		if err := noNullRuns("deferred."+k, st.Deferred[k]); err != nil {
			return nil, err
		}
	}
	if st.NextRun < 1 {
		st.NextRun = 1
	}
	return st, nil
}

// Read reads ferry/status at commit (zero: the branch does not exist yet).
// Files that do not parse are listed in Corrupt; only a failure to read Git
// or a corrupt state.yaml is an error.
func Read(rd gitstore.Reader, commit gitstore.Hash, cache *Cache) (*Branch, error) {
	b := &Branch{
		Commit: commit, State: &State{NextRun: 1},
		Slots: map[string]*Slot{}, raw: map[string]string{},
	}
	if commit.IsZero() {
		return b, nil
	}
	if err := b.readState(rd); err != nil {
		return nil, err
	}
	for _, step := range []func(gitstore.Reader, *Cache) error{b.readSlots, b.readProblems, b.readReports} {
		if err := step(rd, cache); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *Branch) readState(rd gitstore.Reader) error {
	data, err := rd.ReadFile(b.Commit, StateFile)
	if gitstore.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", StateFile, err)
	}
	st, err := ParseState(data)
	if err != nil {
		return &Corruption{File: StateFile, Err: err.Error()}
	}
	b.State = st
	b.raw[StateFile] = string(data)
	return nil
}

func (b *Branch) readSlots(rd gitstore.Reader, cache *Cache) error {
	stages, err := rd.ListDir(b.Commit, RunsDir)
	if err != nil {
		return fmt.Errorf("list %s: %w", RunsDir, err)
	}
	for _, stage := range stages {
		files, err := rd.ListDir(b.Commit, path.Join(RunsDir, stage))
		if err != nil {
			return fmt.Errorf("list %s: %w", path.Join(RunsDir, stage), err)
		}
		for _, f := range files {
			svc, ok := strings.CutSuffix(f, ".yaml")
			if !ok {
				continue
			}
			p := SlotPath(stage, svc)
			data, err := rd.ReadFile(b.Commit, p)
			if err != nil {
				return fmt.Errorf("read %s: %w", p, err)
			}
			s, err := cache.parse(data)
			if err == nil && (s.Stage != stage || s.Service != svc) {
				err = fmt.Errorf("the file is for %s/%s", s.Stage, s.Service)
			}
			if err != nil {
				b.Corrupt = append(b.Corrupt, &Corruption{File: p, Stage: stage, Service: svc, Err: err.Error()})
				continue
			}
			b.Slots[SlotKey(stage, svc)] = s
			b.raw[p] = string(data)
		}
	}
	return nil
}

func (b *Branch) readProblems(rd gitstore.Reader, _ *Cache) error {
	names, err := rd.ListDir(b.Commit, ProblemsDir)
	if err != nil {
		return fmt.Errorf("list %s: %w", ProblemsDir, err)
	}
	for _, n := range names {
		id, ok := strings.CutSuffix(n, ".yaml")
		if !ok {
			continue
		}
		p := ProblemPath(id)
		data, err := rd.ReadFile(b.Commit, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		pr, err := ParseProblem(data)
		if err == nil && pr.ID != id {
			err = fmt.Errorf("the file holds problem %q", pr.ID)
		}
		if err != nil {
			b.Corrupt = append(b.Corrupt, &Corruption{File: p, Problem: id, Err: err.Error()})
			continue
		}
		b.Problems = append(b.Problems, pr)
		b.raw[p] = string(data)
	}
	return nil
}

func (b *Branch) readReports(rd gitstore.Reader, _ *Cache) error {
	names, err := rd.ListDir(b.Commit, ReportsDir)
	if err != nil {
		return fmt.Errorf("list %s: %w", ReportsDir, err)
	}
	sort.Strings(names)
	for _, n := range names {
		if !strings.HasSuffix(n, ".json") {
			continue
		}
		p := path.Join(ReportsDir, n)
		data, err := rd.ReadFile(b.Commit, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		r, err := ParseReport(data)
		if err != nil {
			// An unreadable report is kept until it expires, and ignored.
			continue
		}
		r.File = p
		b.Reports = append(b.Reports, r)
	}
	return nil
}

// Slot returns the slot of (stage, svc), creating it, or nil when its file
// is corrupt.
func (b *Branch) Slot(stage, svc string) *Slot {
	k := SlotKey(stage, svc)
	if s := b.Slots[k]; s != nil {
		return s
	}
	if b.CorruptSlot(stage, svc) != nil {
		return nil
	}
	s := &Slot{Stage: stage, Service: svc}
	b.Slots[k] = s
	return s
}

// CorruptSlot returns the corruption of a slot's file, or nil.
func (b *Branch) CorruptSlot(stage, svc string) *Corruption {
	for _, c := range b.Corrupt {
		if c.Stage == stage && c.Service == svc {
			return c
		}
	}
	return nil
}

// Keys returns the slot keys, sorted.
func (b *Branch) Keys() []string {
	out := make([]string, 0, len(b.Slots))
	for k := range b.Slots {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NewRunID returns the next run id.
func (b *Branch) NewRunID() string {
	id := fmt.Sprintf("r%d", b.State.NextRun)
	b.State.NextRun++
	return id
}

// OpenProblems returns the open problems.
func (b *Branch) OpenProblems() []*Problem {
	var out []*Problem
	for _, p := range b.Problems {
		if p.Status == ProblemOpen {
			out = append(out, p)
		}
	}
	return out
}

// Problem returns the problem with an id, or nil.
func (b *Branch) Problem(id string) *Problem {
	for _, p := range b.Problems {
		if p.ID == id {
			return p
		}
	}
	return nil
}
