package event

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
)

// Report is one answer sent from a shell (ferry report): a task of a run
// started, or finished with a result.
type Report struct {
	// Run is the run id (r12); TriggeredID, when known (from the
	// .triggered event), names the run and the task exactly.
	Run, Task, TriggeredID string
	// Started sends .started instead of .finished.
	Started bool
	// Result is pass, warning or fail; Status succeeded (default),
	// errored or aborted (either fails the task).
	Result  string
	Status  Status
	Message string
	// Start and End are the test window, when set.
	Start, End time.Time
	// Source is the event's source. Default "ferry-report".
	Source string
}

// Event returns the report as a Keptn CloudEvent, or every problem with
// its fields at once.
func (r *Report) Event() (cloudevents.Event, error) {
	e := cloudevents.NewEvent()
	var errs []error
	if r.TriggeredID != "" {
		id, err := ParseID(r.TriggeredID)
		switch {
		case err != nil:
			errs = append(errs, err)
		case r.Task != "" && r.Task != id.Task || r.Run != "" && r.Run != id.Run:
			errs = append(errs, fmt.Errorf("triggeredid %s names run %s and task %s", id, id.Run, id.Task))
		default:
			r.Run, r.Task = id.Run, id.Task
			e.SetExtension(ExtTriggeredID, id.String())
			e.SetExtension(ExtContext, id.Context())
		}
	}
	if !runIDPattern.MatchString(r.Run) {
		errs = append(errs, fmt.Errorf("run %q: want a run id such as r12", r.Run))
	}
	if !taskPattern.MatchString(r.Task) {
		errs = append(errs, fmt.Errorf("task %q: want a task name such as test", r.Task))
	}
	data := Data{Status: r.Status, Result: r.Result, Message: r.Message}
	ph := PhaseStarted
	if !r.Started {
		ph = PhaseFinished
		if data.Status == "" {
			data.Status = StatusSucceeded
		}
		switch {
		case data.Status != StatusSucceeded && data.Status != StatusErrored && data.Status != StatusAborted:
			errs = append(errs, fmt.Errorf("status %q: want succeeded, errored or aborted", data.Status))
		case data.Result == "" && data.Status == StatusSucceeded:
			errs = append(errs, errors.New("result: missing; want pass, warning or fail"))
		case data.Result != "" && data.Result != stages.ResultPass && data.Result != stages.ResultWarning && data.Result != stages.ResultFail:
			errs = append(errs, fmt.Errorf("result %q: want pass, warning or fail", data.Result))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return e, err
	}
	body := map[string]any{"status": data.Status, "result": data.Result, "message": data.Message}
	if !r.Start.IsZero() || !r.End.IsZero() {
		w := Window{}
		if !r.Start.IsZero() {
			w.Start = r.Start.UTC().Format(time.RFC3339Nano)
		}
		if !r.End.IsZero() {
			w.End = r.End.UTC().Format(time.RFC3339Nano)
		}
		body[r.Task] = w
	}
	e.SetType(Type(r.Task, ph))
	e.SetSource(r.Source)
	if r.Source == "" {
		e.SetSource("ferry-report")
	}
	e.SetExtension(ExtRun, r.Run)
	e.SetID(fmt.Sprintf("%s.%s.%s.%d", r.Run, r.Task, ph, time.Now().UnixNano()))
	e.SetTime(time.Now())
	return e, e.SetData(cloudevents.ApplicationJSON, body)
}

var taskPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// RefusedError is ferry's answer when it did not take an event.
type RefusedError struct {
	Code   int
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("ferry answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Reason)
}

// Post sends an answer to ferry at base (e.g. http://ferry:8080) in
// structured mode with a bearer token, and returns ferry's answer. A
// refusal is a [*RefusedError].
func Post(ctx context.Context, client *http.Client, base, token string, e cloudevents.Event) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("url %q: want ferry's address, e.g. http://ferry:8080", gitstore.Redact(base))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(u.String(), "/")+Path, nil)
	if err != nil {
		return "", fmt.Errorf("post to %s: %w", gitstore.Redact(base), err)
	}
	if err := cehttp.WriteRequest(binding.WithForceStructured(ctx), binding.ToMessage(&e), req); err != nil {
		return "", fmt.Errorf("encode the event: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("post to %s: %s", gitstore.Redact(base), strings.ReplaceAll(err.Error(), base, gitstore.Redact(base)))
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	answer := strings.TrimSpace(string(b))
	if resp.StatusCode/100 != 2 {
		return "", &RefusedError{Code: resp.StatusCode, Reason: answer}
	}
	return answer, nil
}
