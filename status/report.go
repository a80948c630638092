package status

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"time"
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
