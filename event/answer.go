package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// Answer is a .started or .finished event for a task ferry announced.
type Answer struct {
	Phase Phase
	// Task is the task the type names.
	Task string
	// ID is the triggeredid, when the event carries one.
	ID *ID
	// Run is the run the event answers: the triggeredid's, else the
	// ferryrun extension's, else the shkeptncontext's.
	Run    string
	Source string
	Data   Data
	// Window is data.<task>.start and .end, when set.
	Start, End time.Time
}

var (
	runIDPattern   = regexp.MustCompile(`^r[1-9][0-9]{0,18}$`)
	contextPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*\.(r[1-9][0-9]{0,18})$`)
)

// ParseAnswer reads a Keptn .started or .finished event and reports every
// field that is missing or wrong at once, each error naming its field.
func ParseAnswer(e *cloudevents.Event) (*Answer, error) {
	a := &Answer{Source: e.Source()}
	var errs []error
	task, ph, err := ParseType(e.Type())
	if err != nil {
		errs = append(errs, err)
	} else if ph != PhaseStarted && ph != PhaseFinished {
		errs = append(errs, fmt.Errorf("type %q: ferry accepts sh.keptn.event.<task>.started and .finished", e.Type()))
	}
	a.Task, a.Phase = task, ph
	ext := func(name string) string {
		v, _ := e.Extensions()[name].(string)
		return v
	}
	if tid := ext(ExtTriggeredID); tid != "" {
		id, err := ParseID(tid)
		switch {
		case err != nil:
			errs = append(errs, err)
		case task != "" && id.Task != task:
			errs = append(errs, fmt.Errorf("triggeredid %q names task %s, the type %q another", tid, id.Task, e.Type()))
		default:
			a.ID, a.Run = &id, id.Run
		}
	}
	if run := ext(ExtRun); run != "" {
		switch {
		case !runIDPattern.MatchString(run):
			errs = append(errs, fmt.Errorf("%s %q: want a run id such as r12", ExtRun, status.Truncate(run, 80)))
		case a.Run != "" && a.Run != run:
			errs = append(errs, fmt.Errorf("%s %q: the triggeredid names run %s", ExtRun, run, a.Run))
		default:
			a.Run = run
		}
	}
	if ctx := ext(ExtContext); ctx != "" {
		m := contextPattern.FindStringSubmatch(ctx)
		switch {
		case a.ID != nil && ctx != a.ID.Context():
			errs = append(errs, fmt.Errorf("%s %q: the triggeredid %s belongs to %s", ExtContext, status.Truncate(ctx, 80), a.ID, a.ID.Context()))
		case a.Run == "" && m != nil:
			a.Run = m[1]
		}
	}
	if a.Run == "" && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s: missing; copy it from the .triggered event (or name the run with the %s extension)", ExtTriggeredID, ExtRun))
	}
	errs = append(errs, a.readData(e)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// readData reads the event's data: Keptn's EventData and, for a test,
// data.test.start and .end.
func (a *Answer) readData(e *cloudevents.Event) []error {
	if len(e.Data()) == 0 {
		if a.Phase == PhaseFinished {
			return []error{errors.New("data: a .finished event needs data with its result")}
		}
		return nil
	}
	var raw map[string]json.RawMessage
	if err := e.DataAs(&raw); err != nil {
		return []error{fmt.Errorf("data: want a JSON object (datacontenttype application/json): %w", err)}
	}
	if err := e.DataAs(&a.Data); err != nil {
		return []error{fmt.Errorf("data: %w", err)}
	}
	var errs []error
	if a.Phase == PhaseFinished {
		switch a.Data.Status {
		case "", StatusSucceeded, StatusErrored, StatusAborted:
		default:
			errs = append(errs, fmt.Errorf("data.status %q: want succeeded, errored or aborted", a.Data.Status))
		}
		if a.Data.Result == "failed" {
			a.Data.Result = stages.ResultFail // Keptn's alias
		}
		switch a.Data.Result {
		case stages.ResultPass, stages.ResultWarning, stages.ResultFail:
		case "":
			if a.Data.Status == StatusSucceeded || a.Data.Status == "" {
				errs = append(errs, errors.New("data.result: missing; want pass, warning or fail"))
			}
		default:
			errs = append(errs, fmt.Errorf("data.result %q: want pass, warning or fail", status.Truncate(a.Data.Result, 80)))
		}
	}
	if details, ok := raw[a.Task]; ok && a.Task != "" {
		var w Window
		if err := json.Unmarshal(details, &w); err != nil {
			return append(errs, fmt.Errorf("data.%s: %w", a.Task, err))
		}
		for _, f := range []struct {
			name, v string
			t       *time.Time
		}{{"start", w.Start, &a.Start}, {"end", w.End, &a.End}} {
			if f.v == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, f.v)
			if err != nil {
				errs = append(errs, fmt.Errorf("data.%s.%s %q: want an RFC 3339 time", a.Task, f.name, status.Truncate(f.v, 80)))
			}
			*f.t = t
		}
	}
	return errs
}

// Check reports whether the answer is about w, the task its run waits on:
// an error wrapping [ErrNotWaiting] when it answers another task, a plain
// error naming the field when its data names another project, stage or
// service.
func (a *Answer) Check(w *Wait) error {
	if a.ID != nil && *a.ID != w.ID {
		return fmt.Errorf("triggeredid %s: run %s waits on %s (%s): %w", a.ID, w.ID.Run, w.ID.Task, w.ID, ErrNotWaiting)
	}
	if a.Task != w.ID.Task {
		return fmt.Errorf("run %s waits on %s, not %s: %w", w.ID.Run, w.ID.Task, a.Task, ErrNotWaiting)
	}
	var errs []error
	for _, f := range []struct{ name, got, want string }{
		{"project", a.Data.Project, w.ID.Project}, {"stage", a.Data.Stage, w.Stage}, {"service", a.Data.Service, w.Service},
	} {
		if f.got != "" && f.got != f.want {
			errs = append(errs, fmt.Errorf("data.%s %q: run %s is of %s %s", f.name, status.Truncate(f.got, 80), w.ID.Run, f.name, f.want))
		}
	}
	return errors.Join(errs...)
}

// Result is the task's result a .finished answer gives: its result, or
// fail when its status is errored or aborted.
func (a *Answer) Result() string {
	if a.Data.Status == StatusErrored || a.Data.Status == StatusAborted {
		return stages.ResultFail
	}
	return a.Data.Result
}

// Report returns the report a .finished answer makes: the one
// /api/v1/reports takes for the task (kind test for test, task for an
// external task).
func (a *Answer) Report(w *Wait) *status.Report {
	r := &status.Report{Kind: status.ReportTask, Run: w.ID.Run, Task: w.ID.Task, Result: a.Result(), Message: a.message()}
	if w.ID.Task == stages.TaskTest {
		r.Kind, r.Task, r.Start, r.End = status.ReportTest, "", a.Start, a.End
	}
	return r
}

// message is what the report says: the event's message and status, and
// who sent it.
func (a *Answer) message() string {
	m := a.Data.Message
	if a.Data.Status != "" && a.Data.Status != StatusSucceeded {
		m = string(a.Data.Status) + ": " + m
	}
	return status.Truncate(fmt.Sprintf("%s (from %s)", m, status.Truncate(a.Source, 100)), 500)
}
