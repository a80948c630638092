package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// LedgerDir is the directory of the evaluation ledger on ferry/status.
const LedgerDir = "ledger"

// idTime is the time layout of record IDs: sortable, one file name.
const idTime = "20060102T150405.000Z"

// NewID returns a record ID: the evaluation time and the run.
func NewID(at time.Time, run string) string {
	return at.UTC().Format(idTime) + "-" + run
}

// LedgerPath returns where a record is kept on ferry/status:
// ledger/<stage>/<service>/<id>.json.
func LedgerPath(stage, service, id string) string {
	return fmt.Sprintf("%s/%s/%s/%s.json", LedgerDir, stage, service, id)
}

// Marshal encodes a record as stored: indented JSON with a final newline.
func (r *Record) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // criteria read "<=800", not "\u003c=800"
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseRecord decodes a stored record.
func ParseRecord(data []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("decode evaluation record: %w", err)
	}
	if r.Version != RecordVersion {
		return nil, fmt.Errorf("decode evaluation record: version %d, want %d", r.Version, RecordVersion)
	}
	return &r, nil
}

// History reads the ledger of a stage and service at the ferry/status
// commit status, newest first, skipping invalidated records. A zero status
// (no ferry/status yet) has no history. limit bounds how many records are
// read (0: all).
func History(r gitstore.Reader, status gitstore.Hash, stage, service string, limit int) ([]*Record, error) {
	var out []*Record
	err := Scan(r, status, stage, service, func(rec *Record) bool {
		out = append(out, rec)
		return limit > 0 && len(out) >= limit
	})
	return out, err
}

// Scan reads a stage's ledger for a service newest first, skipping
// invalidated records, and stops when fn returns true: the records older
// than the one it wanted are not read.
func Scan(r gitstore.Reader, status gitstore.Hash, stage, service string, fn func(*Record) bool) error {
	if status.IsZero() {
		return nil
	}
	dir := fmt.Sprintf("%s/%s/%s", LedgerDir, stage, service)
	names, err := r.ListDir(status, dir)
	if err != nil {
		return fmt.Errorf("read ledger %s: %w", dir, err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	for _, name := range names {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := r.ReadFile(status, dir+"/"+name)
		if err != nil {
			return fmt.Errorf("read ledger: %w", err)
		}
		rec, err := ParseRecord(data)
		if err != nil {
			return fmt.Errorf("read ledger %s/%s: %w", dir, name, err)
		}
		if rec.Invalidated {
			continue
		}
		if fn(rec) {
			return nil
		}
	}
	return nil
}

// AsPrevious returns the records as previous results.
func AsPrevious(records []*Record) []Previous {
	out := make([]Previous, 0, len(records))
	for _, r := range records {
		out = append(out, r.AsPrevious())
	}
	return out
}

// Append records an evaluation in a batch: the record is added to the
// ledger by a commit on statusRef, and attached as a note to the evaluated
// commit (r.Commit). Both land in the batch's one atomic push.
func Append(b *gitstore.Batch, statusRef string, r *Record) error {
	if r.Commit != "" {
		// Keep the deploy signals already noted on the commit.
		if old, err := b.Note(gitstore.NewHash(r.Commit)); err == nil {
			if prev, err := ParseRecord(old); err == nil && len(prev.Signals) > 0 && len(r.Signals) == 0 {
				r.Signals = prev.Signals
			}
		}
	}
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("evaluation: %s in %s: %s %.1f", r.Service, r.Stage, r.Result, r.Score)
	trailers := gitstore.FerryTrailers{
		Service: r.Service, Stage: r.Stage, Candidate: r.Candidate, Run: r.Run,
		Task: "evaluation", Verdict: fmt.Sprintf("%s %s", r.Result, FormatScore(r.Score)),
	}.Trailers()
	_, err = b.Commit(statusRef, gitstore.CommitRequest{
		Message:  msg,
		Trailers: trailers,
		Edits:    []gitstore.Edit{gitstore.Put(LedgerPath(r.Stage, r.Service, r.ID), data)},
	})
	if err != nil {
		return fmt.Errorf("record evaluation: %w", err)
	}
	if r.Commit != "" {
		b.SetNote(gitstore.NewHash(r.Commit), data)
	}
	return nil
}

// FormatScore shows a score or value with at most two decimals: 95.5, 100.
func FormatScore(s float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", s), "0"), ".")
}

// AddSignal adds a deploy signal's line to the note on a stage commit: the
// record already there (an evaluation or earlier signals), or a new one.
func AddSignal(note []byte, commit, line string) ([]byte, error) {
	rec := &Record{Version: RecordVersion, Commit: commit}
	if prev, err := ParseRecord(note); len(note) > 0 && err == nil {
		rec = prev
	}
	rec.Signals = append(rec.Signals, line)
	return rec.Marshal()
}

// Find returns the newest record of a run in a stage's ledger for a
// service (among the last 20), or nil.
func Find(r gitstore.Reader, status gitstore.Hash, stage, service, run string) (*Record, error) {
	records, err := History(r, status, stage, service, 20)
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		if rec.Run == run {
			return rec, nil
		}
	}
	return nil, nil
}
