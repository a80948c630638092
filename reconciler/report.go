package reconciler

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/ferrycd/ferry/gitstore"
)

// Report kinds.
const (
	// ReportDeployed: stage commit Commit of Service in Stage is applied;
	// Healthy false fails the run like a failed gate.
	ReportDeployed = "deployed"
	// ReportTest: the test of run Run finished with Result, over Start..End.
	ReportTest = "test"
	// ReportTask: the external task Task of run Run finished with Result.
	ReportTask = "task"
)

// Report is what a deployment agent, a test runner or an external task
// tells ferry. Reports are written to ferry/status before they are
// acknowledged, and consumed by the next pass.
type Report struct {
	Kind     string    `json:"kind"`
	Stage    string    `json:"stage,omitempty"`
	Service  string    `json:"service,omitempty"`
	Commit   string    `json:"commit,omitempty"`
	Healthy  *bool     `json:"healthy,omitempty"`
	Run      string    `json:"run,omitempty"`
	Task     string    `json:"task,omitempty"`
	Result   string    `json:"result,omitempty"`
	Start    time.Time `json:"start,omitempty"`
	End      time.Time `json:"end,omitempty"`
	Message  string    `json:"message,omitempty"`
	Received time.Time `json:"received"`

	file string
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

// reportPath names a report file: sortable by arrival, unique by content
// (the same report twice is one file).
func reportPath(r *Report, data []byte) string {
	sum := sha256.Sum256(data)
	return path.Join(reportsDir, fmt.Sprintf("%s-%x-%s.json", r.Received.UTC().Format("20060102T150405.000000Z"), sum[:6], r.Kind))
}

// loadReports reads the reports not yet consumed, oldest first.
func loadReports(rd gitstore.Reader, status gitstore.Hash) ([]*Report, error) {
	if status.IsZero() {
		return nil, nil
	}
	names, err := rd.ListDir(status, reportsDir)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []*Report
	for _, n := range names {
		if !strings.HasSuffix(n, ".json") {
			continue
		}
		data, err := rd.ReadFile(status, path.Join(reportsDir, n))
		if err != nil {
			return nil, err
		}
		var r Report
		if err := json.Unmarshal(data, &r); err != nil {
			continue // an unreadable report is dropped by the next write of reports
		}
		r.file = path.Join(reportsDir, n)
		out = append(out, &r)
	}
	return out, nil
}
