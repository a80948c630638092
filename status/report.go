package status

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// ReportKind says what a report tells.
type ReportKind string

// Report kinds.
const (
	// ReportDeployed: stage commit Commit of Stage is applied; Healthy
	// false fails the runs it covers.
	ReportDeployed ReportKind = "deployed"
	// ReportTest: the test of run Run finished with Result, over Start..End.
	ReportTest ReportKind = "test"
	// ReportTask: the external task Task of run Run finished with Result.
	ReportTask ReportKind = "task"
	// ReportAlert: an alert fired for Service in Stage; Task holds the
	// problem type (the alert name), Message its title.
	ReportAlert ReportKind = "alert"
	// ReportAlertResolved: the alert stopped firing.
	ReportAlertResolved ReportKind = "alert-resolved"
)

// Report is what a deployment agent, a test runner, an external task or an
// alert tells ferry. Reports are written to ferry/status before they are
// acknowledged, and consumed by a later pass.
type Report struct {
	Kind     ReportKind `json:"kind"`
	Stage    string     `json:"stage,omitempty"`
	Service  string     `json:"service,omitempty"`
	Commit   string     `json:"commit,omitempty"`
	Healthy  *bool      `json:"healthy,omitempty"`
	Run      string     `json:"run,omitempty"`
	Task     string     `json:"task,omitempty"`
	Result   string     `json:"result,omitempty"`
	Start    time.Time  `json:"start,omitzero"`
	End      time.Time  `json:"end,omitzero"`
	Message  string     `json:"message,omitempty"`
	Received time.Time  `json:"received"`

	// File is the report's path on ferry/status, once read.
	File string `json:"-"`
}

// Validate reports what is missing from a report.
func (r *Report) Validate() error {
	var errs []error
	switch r.Kind {
	case ReportDeployed:
		if r.Commit == "" {
			errs = append(errs, errors.New("a deployed report needs the stage commit"))
		}
		if r.Stage == "" {
			errs = append(errs, errors.New("a deployed report needs the stage"))
		}
	case ReportTest, ReportTask:
		if r.Run == "" {
			errs = append(errs, fmt.Errorf("a %s report needs the run id", r.Kind))
		}
		if r.Kind == ReportTask && r.Task == "" {
			errs = append(errs, errors.New("a task report needs the task name"))
		}
		switch r.Result {
		case "pass", "warning", "fail":
		default:
			errs = append(errs, fmt.Errorf("result must be pass, warning or fail, got %q", r.Result))
		}
	case ReportAlert, ReportAlertResolved:
		if r.Stage == "" || r.Service == "" || r.Task == "" {
			errs = append(errs, errors.New("an alert needs the stage, the service and the problem type"))
		}
	default:
		errs = append(errs, fmt.Errorf("kind must be deployed, test or task, got %q", r.Kind))
	}
	return errors.Join(errs...)
}

// ReportPath names a report file: sortable by arrival, unique by content
// (the same report twice is one file).
func ReportPath(r *Report, data []byte) string {
	sum := sha256.Sum256(data)
	return path.Join(ReportsDir, fmt.Sprintf("%s-%x-%s.json", r.Received.UTC().Format("20060102T150405.000000Z"), sum[:6], r.Kind))
}

// Record writes a report to ferry/status of store, received at now, in a
// commit of its own, before the sender is told it was recorded. The same
// report twice is one file.
func Record(ctx context.Context, store *gitstore.Store, rep *Report, now time.Time) error {
	if err := rep.Validate(); err != nil {
		return err
	}
	rep.Received = now.UTC()
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, err = store.Update(ctx, func(_ gitstore.Snapshot, b *gitstore.Batch) error {
		_, err := b.Commit(store.FerryRef("status"), gitstore.CommitRequest{
			Message: fmt.Sprintf("report: %s %s%s", rep.Kind, rep.Run, rep.Commit),
			Edits:   []gitstore.Edit{gitstore.Put(ReportPath(rep, data), append(data, '\n'))},
		})
		return err // ErrNoChange: the same report is already recorded
	})
	if err != nil {
		return fmt.Errorf("record report: %w", err)
	}
	return nil
}

// Deployed returns the newest deployed report for a stage whose commit is
// commit or a descendant of it (descends(from, to) says whether from
// descends from to): an agent applies a branch's tip, and with it every
// commit before. Deployed reports are not consumed (one covers many runs).
func (b *Branch) Deployed(stage, commit string, descends func(from, to string) (bool, error)) (*Report, error) {
	for i := len(b.Reports) - 1; i >= 0; i-- {
		r := b.Reports[i]
		if r.Kind != ReportDeployed || r.Stage != stage {
			continue
		}
		if r.Commit == commit {
			return r, nil
		}
		ok, err := descends(r.Commit, commit)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
	return nil, nil
}

// Take returns the oldest report that matches and is not in consumed, and
// adds it there.
func (b *Branch) Take(match func(*Report) bool, consumed map[string]bool) *Report {
	for _, r := range b.Reports {
		if !consumed[r.File] && match(r) {
			consumed[r.File] = true
			return r
		}
	}
	return nil
}
