package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/go-cmp/cmp"
)

func TestReportCommand(t *testing.T) {
	var mu sync.Mutex
	var got []cloudevents.Event
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil || r.URL.Path != "/api/v1/events" {
			http.Error(w, "not an event", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got, auth = append(got, *e), append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		if e.Extensions()["ferryrun"] == "r99" {
			http.Error(w, "run r99 is not in flight: unknown run", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("recorded\n"))
	}))
	defer srv.Close()
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("t0k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
		typ    string
		data   map[string]any
		ext    map[string]any
		noSend bool
	}{
		{
			name: "finished", args: []string{"--run", "r12", "--task", "test", "--result", "pass", "--start", "2026-11-21T12:00:00Z", "--end", "2026-11-21T12:10:00Z"},
			stdout: "recorded\n", typ: "sh.keptn.event.test.finished",
			data: map[string]any{"status": "succeeded", "result": "pass", "message": "", "test": map[string]any{"start": "2026-11-21T12:00:00Z", "end": "2026-11-21T12:10:00Z"}},
			ext:  map[string]any{"ferryrun": "r12"},
		},
		{
			name: "started by triggered id", args: []string{"--triggered-id", "sockshop.r12.2.load", "--started"},
			stdout: "recorded\n", typ: "sh.keptn.event.load.started",
			data: map[string]any{"status": "", "result": "", "message": ""},
			ext:  map[string]any{"ferryrun": "r12", "triggeredid": "sockshop.r12.2.load", "shkeptncontext": "sockshop.r12"},
		},
		{
			name: "refused", args: []string{"--run", "r99", "--task", "test", "--result", "fail"}, code: 1,
			stderr: "ferry: ferry answered 404 Not Found: run r99 is not in flight: unknown run\n", typ: "sh.keptn.event.test.finished",
			data: map[string]any{"status": "succeeded", "result": "fail", "message": ""},
			ext:  map[string]any{"ferryrun": "r99"},
		},
		{
			name: "usage", args: []string{"--run", "12", "--task", "test", "--result", "great"}, code: 2, noSend: true,
			stderr: "ferry: run \"12\": want a run id such as r12\nresult \"great\": want pass, warning or fail\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			res := ferry(t, t.TempDir(), append([]string{"report", "--url", srv.URL, "--token-file", token}, tt.args...)...)
			if res.code != tt.code || res.stdout != tt.stdout || res.stderr != tt.stderr {
				t.Fatalf("exit %d\nstdout %q\nstderr %q", res.code, res.stdout, res.stderr)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.noSend {
				if len(got) != 0 {
					t.Errorf("sent %d events", len(got))
				}
				return
			}
			if len(got) != 1 || auth[len(auth)-1] != "Bearer t0k" {
				t.Fatalf("%d events, authorization %q", len(got), auth)
			}
			e := got[0]
			var data map[string]any
			if err := e.DataAs(&data); err != nil {
				t.Fatal(err)
			}
			if e.Type() != tt.typ || !strings.HasPrefix(e.Source(), "ferry-report") {
				t.Errorf("type %s source %s", e.Type(), e.Source())
			}
			if diff := cmp.Diff(tt.data, data); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ext, e.Extensions()); diff != "" {
				t.Errorf("extensions (-want +got):\n%s", diff)
			}
		})
	}
}
