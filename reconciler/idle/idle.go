package idle

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/status"
)

// File is the name of the memory's file in ferry's state directory.
const File = "idle.json"

// format is the version of the file's layout; a file of another version is
// ignored.
const format = 1

// Memory remembers the last pass that had nothing to push. The zero value
// remembers in memory only. It is not safe for concurrent use: the
// reconciler runs one pass at a time.
type Memory struct {
	path, key string
	last      *record
	// restored is set while last was read from the file, not seen by this
	// process.
	restored bool
	dirty    bool
}

// record is what a pass that pushed nothing found, as written to the file.
type record struct {
	Format int               `json:"format"`
	Key    string            `json:"key"`
	Refs   map[string]string `json:"refs"`
	Next   time.Time         `json:"next,omitzero"`
	// Seen is when the pass ran: a restarted ferry whose clock is before
	// it (the clock was moved back) does not trust the memory.
	Seen   time.Time      `json:"seen"`
	Reason status.Reason  `json:"stallReason,omitempty"`
	Cause  string         `json:"stallCause,omitempty"`
	Queued map[string]int `json:"queued,omitempty"`
	// Waits is set when a run waited on an event subscriber's answer.
	Waits bool `json:"waits,omitempty"`
}

// Result is what the remembered pass found.
type Result struct {
	// Next is when its first wait ends; zero when nothing waits.
	Next time.Time
	// Stall is why the project could not be delivered, or nil.
	Stall *status.Stall
	// Queued counts the runs waiting per stage.
	Queued map[string]int
}

// Open returns a memory kept in the file at path as well, with the memory
// of the file when it was written under the same key. An empty path keeps
// the memory in this process only.
func Open(path, key string) *Memory {
	m := &Memory{path: path, key: key}
	if path == "" {
		return m
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return m // no memory: the first pass is a full one
	}
	var rec record
	if json.Unmarshal(data, &rec) == nil && rec.Format == format && rec.Key == key && rec.Refs != nil {
		m.last, m.restored = &rec, true
	}
	return m
}

// Key returns the fingerprint of this build of ferry and of settings, the
// options that change what a pass computes from the same refs.
func Key(settings ...any) string {
	build := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		build = bi.Main.Path + "@" + bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				build += " " + s.Value
			}
		}
	}
	// A rebuilt binary may compute differently even at the same revision.
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			build += fmt.Sprintf(" %d %d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return fmt.Sprint(append([]any{build}, settings...)...)
}

// Still reports whether a pass over snap at now would find what the
// remembered pass found: the same refs, and no wait ended.
func (m *Memory) Still(snap gitstore.Snapshot, now time.Time) (Result, bool) {
	rec := m.last
	if rec == nil || len(rec.Refs) != len(snap.Refs) || m.restored && (rec.Waits || now.Before(rec.Seen)) {
		return Result{}, false
	}
	for ref, h := range snap.Refs {
		if rec.Refs[ref] != h.String() {
			return Result{}, false
		}
	}
	if !rec.Next.IsZero() && !now.Before(rec.Next) {
		return Result{}, false
	}
	// Save belongs to the pass that remembered: this one did not read the
	// status, so it cannot tell whether a run waits on a subscriber.
	m.dirty = false
	res := Result{Next: rec.Next, Queued: rec.Queued}
	if rec.Reason != "" {
		res.Stall = &status.Stall{Reason: rec.Reason}
		if rec.Cause != "" {
			res.Stall.Err = errors.New(rec.Cause)
		}
	}
	return res, true
}

// Forget drops the memory: a pass is under way.
func (m *Memory) Forget() { m.last, m.restored, m.dirty = nil, false, false }

// Remember records a pass over snap at now that had nothing to push: when
// its first wait ends, why the project was stalled, and the status it read
// (nil when it could not be read).
func (m *Memory) Remember(snap gitstore.Snapshot, now, next time.Time, stall *status.Stall, st *status.Branch) {
	rec := &record{Format: format, Key: m.key, Refs: make(map[string]string, len(snap.Refs)), Next: next, Seen: now}
	for ref, h := range snap.Refs {
		rec.Refs[ref] = h.String()
	}
	if stall != nil {
		rec.Reason = stall.Reason
		if stall.Err != nil {
			rec.Cause = stall.Err.Error()
		}
	}
	if st != nil {
		rec.Queued = map[string]int{}
		for _, s := range st.Slots {
			rec.Queued[s.Stage] += len(s.Queue)
		}
	}
	m.last, m.restored, m.dirty = rec, false, true
}

// Save writes to the file the memory remembered by the same pass; waits
// says whether a run of the status that pass read waits on an event
// subscriber's answer. It is best effort: a memory
// that cannot be written costs a full first pass after a restart.
func (m *Memory) Save(waits bool) {
	if !m.dirty || m.path == "" {
		return
	}
	m.dirty = false
	m.last.Waits = waits
	data, err := json.Marshal(m.last)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.path), File+".*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), m.path) != nil {
		_ = os.Remove(tmp.Name())
	}
}
