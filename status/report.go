package status

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

// Report fields that name things. They reach file names and commit
// messages on ferry/status, so they are checked, not escaped.
var (
	// namePattern is Keptn's naming rule for stages and services (as in
	// package stages).
	namePattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	// runPattern matches a run id (r1, r2, …) or a problem id
	// (<stage>-<service>-<type>-<time>, see [Branch.Alert]).
	runPattern = regexp.MustCompile(`^(r[1-9][0-9]{0,18}|[a-z][a-z0-9-]*-[0-9]{8}T[0-9]{6}Z)$`)
	// commitPattern matches a full SHA-1 or SHA-256 commit hash.
	commitPattern = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
)

// Bounds of report fields.
const (
	// MaxNameLength bounds stage and service names, run ids and task
	// names (alert names) in a report.
	MaxNameLength = 200
)

// Validate reports what is missing from a report, and every field that
// does not have the shape it names: stages and services follow Keptn's
// naming rule, run ids are r<n> or a problem id, commits are full
// lower-case hashes, task names are one line.
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
		errs = append(errs, fmt.Errorf("kind must be deployed, test, task, alert or alert-resolved, got %q", r.Kind))
	}
	return errors.Join(append(errs, r.checkFields()...)...)
}

// checkFields checks the shape of the fields that are set.
func (r *Report) checkFields() []error {
	var errs []error
	check := func(field, value string, ok bool, want string) {
		if value != "" && !ok {
			errs = append(errs, fmt.Errorf("%s %q: want %s", field, Truncate(value, 80), want))
		}
	}
	const name = "a lower-case letter, then lower-case letters, digits and '-'"
	check("stage", r.Stage, namePattern.MatchString(r.Stage) && len(r.Stage) <= MaxNameLength, name)
	check("service", r.Service, namePattern.MatchString(r.Service) && len(r.Service) <= MaxNameLength, name)
	check("run", r.Run, runPattern.MatchString(r.Run), "a run id (r<n>) or a problem id")
	check("commit", r.Commit, commitPattern.MatchString(r.Commit), "a full commit hash in lower-case hex")
	check("task", r.Task, flatten(r.Task) == r.Task && len(r.Task) <= MaxNameLength, fmt.Sprintf("one line of at most %d bytes", MaxNameLength))
	return errs
}

// flatten returns s with every control character (line breaks among them)
// replaced by a space.
func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// FirstLine is the first line of an error's message: the reason recorded
// in a run or a status commit, without the detail that follows it.
func FirstLine(err error) string { return FirstLineOf(err.Error()) }

// FirstLineOf is the first line of a message.
func FirstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Truncate cuts s to at most n bytes at a character boundary, marking
// the cut with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// ReportPath names a report file: sortable by arrival, unique by content
// (the same report twice is one file).
func ReportPath(r *Report, data []byte) string {
	sum := sha256.Sum256(data)
	return path.Join(ReportsDir, fmt.Sprintf("%s-%x-%s.json", r.Received.UTC().Format("20060102T150405.000000Z"), sum[:6], r.Kind))
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

// SignalLine is how a deploy signal is noted on the stage commit it
// concerns: when, applied or failed, the sender's message, and the commit
// it named when that is a later one.
func (r *Report) SignalLine(commit string) string {
	state := "applied"
	if r.Healthy != nil && !*r.Healthy {
		state = "failed"
	}
	line := fmt.Sprintf("%s %s %s", r.Received.UTC().Format(time.RFC3339), state, r.Message)
	if r.Commit != commit {
		line += " (at " + gitstore.ShortSHA(r.Commit) + ")"
	}
	return line
}
