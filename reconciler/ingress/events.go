package ingress

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/ferrycd/ferry/event"
)

// MaxEventBody bounds a CloudEvent to POST /api/v1/events.
const MaxEventBody = MaxReportBody

// eventsHandler serves POST /api/v1/events: Keptn's .started and .finished
// events for the tasks ferry announced, in structured or binary mode,
// authenticated like /api/v1/reports. A .finished event is recorded as the
// report /api/v1/reports would take for the task; a .started event is
// checked and acknowledged, and nothing is written.
func eventsHandler(l Loop, token func() string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !bearerOK(r, token()) {
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		e, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, "read the cloudevent: "+err.Error(), http.StatusBadRequest)
			return
		}
		a, err := event.ParseAnswer(e)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		wait, err := l.Wait(a.Run)
		if err == nil {
			err = a.Check(wait)
		}
		switch {
		case errors.Is(err, event.ErrUnknownRun):
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		case errors.Is(err, event.ErrNotWaiting):
			http.Error(w, err.Error(), http.StatusConflict)
			return
		case err != nil && wait == nil:
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		case err != nil:
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if a.Phase == event.PhaseStarted {
			w.WriteHeader(http.StatusAccepted)
			_, _ = fmt.Fprintf(w, "acknowledged: run %s started %s\n", wait.ID.Run, wait.ID.Task)
			return
		}
		if wait.Reported {
			w.WriteHeader(http.StatusAccepted)
			_, _ = fmt.Fprintf(w, "already recorded: run %s %s\n", wait.ID.Run, wait.ID.Task)
			return
		}
		rep := a.Report(wait)
		if err := rep.Validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := l.Record(r.Context(), rep); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		l.Trigger()
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "recorded\n")
	}
}
