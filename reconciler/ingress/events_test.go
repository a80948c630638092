package ingress_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

const eventsShipyard = `apiVersion: spec.keptn.sh/0.2.4
kind: Shipyard
metadata: {name: sockshop}
spec:
  stages:
    - name: dev
      sequences:
        - name: delivery
          tasks:
            - name: deployment
            - name: test
              properties: {teststrategy: functional}
            - name: load
`

const candidate = "0123456789abcdef0123456789abcdef01234567"

// waitingLoop is a statusLoop whose ferry/status holds run r7 of carts in
// dev waiting on its test (task 1), r8 queued behind it and r6 finished.
func waitingLoop(tb testing.TB, task int, name string) *statusLoop {
	tb.Helper()
	l := newStatusLoop(tb)
	sy, d := stages.ParseShipyard("shipyard.yaml", []byte(eventsShipyard))
	if sy == nil {
		tb.Fatal(d.Diagnostics().Error())
	}
	l.projects = func(gitstore.Hash) (*stages.Project, error) {
		return &stages.Project{Name: "sockshop", Shipyard: sy, Config: stages.DefaultConfig()}, nil
	}
	waiting := map[string]string{"test": "test-report", "load": "report"}[name]
	slot := `stage: dev
service: carts
current: {id: r7, candidate: ` + candidate + `, sequence: delivery, phase: waiting, task: ` + string(rune('0'+task)) + `, taskName: ` + name + `, waiting: ` + waiting + `, since: 2026-11-21T12:00:00Z}
queue:
  - {id: r8, candidate: ` + candidate + `, sequence: delivery, phase: queued, task: 0, since: 2026-11-21T12:00:00Z}
last: {id: r6, candidate: ` + candidate + `, sequence: delivery, phase: succeeded, task: 3, result: pass, since: 2026-11-21T11:00:00Z}
`
	gittest.CommitFiles(tb, l.dir, "ferry/status", "a run waits", gittest.Files{
		"state.yaml":          gittest.Text("formatVersion: 2\nnextRun: 9\n"),
		"runs/dev/carts.yaml": gittest.Text(slot),
	})
	if _, err := l.store.Fetch(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return l
}

// answer returns a Keptn answer event for run r7's test, in Keptn's shape.
func answer(tb testing.TB, typ string, data map[string]any, ext map[string]string) cloudevents.Event {
	tb.Helper()
	e := cloudevents.NewEvent()
	e.SetID("a1")
	e.SetSource("test-runner")
	e.SetType(typ)
	for k, v := range map[string]string{event.ExtContext: "sockshop.r7", event.ExtTriggeredID: "sockshop.r7.1.test"} {
		e.SetExtension(k, v)
	}
	for k, v := range ext {
		if v == "" {
			e.SetExtension(k, nil) // removes it
			continue
		}
		e.SetExtension(k, v)
	}
	if data != nil {
		if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
			tb.Fatal(err)
		}
	}
	return e
}

// postEvent sends e to /api/v1/events in structured or binary mode.
func postEvent(tb testing.TB, url, token string, e cloudevents.Event, structured bool) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url+event.Path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := binding.WithForceBinary(context.Background())
	if structured {
		ctx = binding.WithForceStructured(context.Background())
	}
	if err := cehttp.WriteRequest(ctx, binding.ToMessage(&e), req); err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func tokenFile(tb testing.TB) string {
	tb.Helper()
	f := filepath.Join(tb.TempDir(), "token")
	if err := os.WriteFile(f, []byte("t0k\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

// readReports returns the reports on ferry/status.
func (l *statusLoop) readReports(tb testing.TB) []*status.Report {
	tb.Helper()
	var out []*status.Report
	for _, f := range l.reports(tb) {
		var r status.Report
		if err := json.Unmarshal([]byte(gittest.Git(tb, l.dir, "show", "refs/heads/ferry/status:"+f)), &r); err != nil {
			tb.Fatal(err)
		}
		r.Received = time.Time{}
		out = append(out, &r)
	}
	return out
}

func TestEventsFinishTasks(t *testing.T) {
	start, end := "2026-11-21T12:01:00Z", "2026-11-21T12:06:00Z"
	t0, _ := time.Parse(time.RFC3339, start)
	t1, _ := time.Parse(time.RFC3339, end)
	tests := []struct {
		name       string
		task       int
		taskName   string
		typ        string
		data       map[string]any
		ext        map[string]string
		structured bool
		want       *status.Report
	}{
		{
			name: "structured finished test", task: 1, taskName: "test", typ: "sh.keptn.event.test.finished", structured: true,
			data: map[string]any{"project": "sockshop", "stage": "dev", "service": "carts", "status": "succeeded", "result": "pass", "test": map[string]string{"start": start, "end": end}},
			want: &status.Report{Kind: status.ReportTest, Run: "r7", Result: "pass", Start: t0, End: t1, Message: " (from test-runner)"},
		},
		{
			name: "binary finished test", task: 1, taskName: "test", typ: "sh.keptn.event.test.finished",
			data: map[string]any{"status": "succeeded", "result": "warning", "message": "slow"},
			want: &status.Report{Kind: status.ReportTest, Run: "r7", Result: "warning", Message: "slow (from test-runner)"},
		},
		{
			name: "errored is a failure", task: 2, taskName: "load", typ: "sh.keptn.event.load.finished", structured: true,
			ext:  map[string]string{event.ExtTriggeredID: "sockshop.r7.2.load"},
			data: map[string]any{"status": "errored", "message": "no pods"},
			want: &status.Report{Kind: status.ReportTask, Run: "r7", Task: "load", Result: "fail", Message: "errored: no pods (from test-runner)"},
		},
		{
			name: "by run id, as ferry report sends it", task: 2, taskName: "load", typ: "sh.keptn.event.load.finished",
			ext:  map[string]string{event.ExtTriggeredID: "", event.ExtContext: "", event.ExtRun: "r7"},
			data: map[string]any{"result": "pass"},
			want: &status.Report{Kind: status.ReportTask, Run: "r7", Task: "load", Result: "pass", Message: " (from test-runner)"},
		},
		{
			name: "started is acknowledged, not recorded", task: 1, taskName: "test", typ: "sh.keptn.event.test.started", structured: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := waitingLoop(t, tt.task, tt.taskName)
			srv := serve(t, l, ingress.ServerOptions{ReportTokenFile: tokenFile(t)})
			code, body := postEvent(t, srv.URL, "t0k", answer(t, tt.typ, tt.data, tt.ext), tt.structured)
			if code != http.StatusAccepted {
				t.Fatalf("answered %d %s", code, body)
			}
			var want []*status.Report
			if tt.want != nil {
				want = []*status.Report{tt.want}
			}
			if diff := cmp.Diff(want, l.readReports(t)); diff != "" {
				t.Errorf("reports on ferry/status (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			// The same answer again is not recorded twice.
			code, body = postEvent(t, srv.URL, "t0k", answer(t, tt.typ, tt.data, tt.ext), tt.structured)
			if code != http.StatusAccepted || !strings.Contains(body, "already recorded") || len(l.reports(t)) != 1 {
				t.Errorf("a repeated answer: %d %s, %d reports", code, body, len(l.reports(t)))
			}
		})
	}
}

func TestEventsRefused(t *testing.T) {
	finished := "sh.keptn.event.test.finished"
	pass := map[string]any{"result": "pass"}
	tests := []struct {
		name  string
		token string
		typ   string
		data  map[string]any
		ext   map[string]string
		code  int
		body  string
	}{
		{"no token", "", finished, pass, nil, http.StatusUnauthorized, "a valid bearer token is required"},
		{"wrong token", "nope", finished, pass, nil, http.StatusUnauthorized, "a valid bearer token is required"},
		{"triggered", "t0k", "sh.keptn.event.test.triggered", pass, nil, http.StatusBadRequest, `type "sh.keptn.event.test.triggered": ferry accepts sh.keptn.event.<task>.started and .finished`},
		{"not keptn", "t0k", "com.example.done", pass, nil, http.StatusBadRequest, `type "com.example.done": want sh.keptn.event.<task>.started or .finished`},
		{"no result", "t0k", finished, map[string]any{"status": "succeeded"}, nil, http.StatusBadRequest, "data.result: missing; want pass, warning or fail"},
		{"bad result", "t0k", finished, map[string]any{"result": "great"}, nil, http.StatusBadRequest, `data.result "great": want pass, warning or fail`},
		{"bad time", "t0k", finished, map[string]any{"result": "pass", "test": map[string]string{"end": "noon"}}, nil, http.StatusBadRequest, `data.test.end "noon": want an RFC 3339 time`},
		{"no data", "t0k", finished, nil, nil, http.StatusBadRequest, "data: a .finished event needs data with its result"},
		{"no triggeredid", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "", event.ExtContext: ""}, http.StatusBadRequest, "triggeredid: missing; copy it from the .triggered event (or name the run with the ferryrun extension)"},
		{"foreign triggeredid", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "6f1c8a52-uuid"}, http.StatusBadRequest, `triggeredid "6f1c8a52-uuid": want <project>.<run>.<task index>.<task> as ferry sent it, e.g. sockshop.r12.1.test`},
		{"type and triggeredid differ", "t0k", "sh.keptn.event.load.finished", pass, nil, http.StatusBadRequest, `triggeredid "sockshop.r7.1.test" names task test, the type "sh.keptn.event.load.finished" another`},
		{"other context", "t0k", finished, pass, map[string]string{event.ExtContext: "sockshop.r9"}, http.StatusBadRequest, `shkeptncontext "sockshop.r9": the triggeredid sockshop.r7.1.test belongs to sockshop.r7`},
		{"other stage", "t0k", finished, map[string]any{"result": "pass", "stage": "prod"}, nil, http.StatusBadRequest, `data.stage "prod": run r7 is of stage dev`},
		{"unknown run", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "sockshop.r99.1.test", event.ExtContext: ""}, http.StatusNotFound, "run r99 is not in flight: unknown run"},
		{"finished run", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "sockshop.r6.1.test", event.ExtContext: ""}, http.StatusConflict, "run r6 finished (pass): not waiting"},
		{"queued run", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "sockshop.r8.1.test", event.ExtContext: ""}, http.StatusConflict, "run r8 is queued in dev for carts: not waiting"},
		{"other task", "t0k", "sh.keptn.event.load.finished", pass, map[string]string{event.ExtTriggeredID: "sockshop.r7.2.load"}, http.StatusConflict, "triggeredid sockshop.r7.2.load: run r7 waits on test (sockshop.r7.1.test): not waiting"},
		{"other project", "t0k", finished, pass, map[string]string{event.ExtTriggeredID: "shop.r7.1.test", event.ExtContext: ""}, http.StatusConflict, "triggeredid shop.r7.1.test: run r7 waits on test (sockshop.r7.1.test): not waiting"},
	}
	l := waitingLoop(t, 1, "test")
	srv := serve(t, l, ingress.ServerOptions{ReportTokenFile: tokenFile(t)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := postEvent(t, srv.URL, tt.token, answer(t, tt.typ, tt.data, tt.ext), true)
			if code != tt.code || body != tt.body {
				t.Errorf("answered %d %q\nwant     %d %q", code, body, tt.code, tt.body)
			}
		})
	}
	if n := len(l.reports(t)); n != 0 {
		t.Errorf("%d reports recorded from refused events", n)
	}
	// A body that is no CloudEvent at all.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+event.Path, bytes.NewReader([]byte(`{"result":"pass"}`)))
	req.Header.Set("Authorization", "Bearer t0k")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(string(body), "read the cloudevent: ") {
		t.Errorf("not a cloudevent: %d %s", resp.StatusCode, body)
	}
}
