package reconciler_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/go-logr/logr/testr"
	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

// subscriber is a Keptn-style task service: an SDK receiver behind a
// check of ferry's signature.
type subscriber struct {
	srv      *httptest.Server
	received chan cloudevents.Event
}

func newSubscriber(t *testing.T, secret []byte) *subscriber {
	t.Helper()
	s := &subscriber{received: make(chan cloudevents.Event, 16)}
	p, err := cloudevents.NewHTTP()
	if err != nil {
		t.Fatal(err)
	}
	h, err := cloudevents.NewHTTPReceiveHandler(context.Background(), p, func(_ context.Context, e cloudevents.Event) protocol.Result {
		s.received <- e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if got, want := r.Header.Get(event.SignatureHeader), event.Sign(secret, body); got != want {
			t.Errorf("signature %q, want %q", got, want)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// next returns the next event the subscriber received.
func (s *subscriber) next(t *testing.T) cloudevents.Event {
	t.Helper()
	select {
	case e := <-s.received:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return cloudevents.Event{}
	}
}

// none checks that nothing more arrives.
func (s *subscriber) none(t *testing.T) {
	t.Helper()
	select {
	case e := <-s.received:
		t.Errorf("one more event: %s %s", e.Type(), e.ID())
	case <-time.After(200 * time.Millisecond):
	}
}

// announcing gives the world a reconciler that announces through a new
// sender (a start of ferry), and serves its endpoints.
func (w *world) announcing(secretFile, tokenFile string) *httptest.Server {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sender, err := event.NewSender(ctx, event.Options{SecretFile: secretFile, Backoff: 10 * time.Millisecond, Log: testr.New(w.t)})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { cancel(); <-sender.Done() })
	w.rec = w.withOptions(func(o *reconciler.Options) { o.Announcer = sender })
	srv := httptest.NewServer(ingress.Handler(reconciler.NewLoop(w.rec, time.Minute), ingress.ServerOptions{ReportTokenFile: tokenFile}))
	w.t.Cleanup(srv.Close)
	return srv
}

// finish answers a .triggered event with the SDK, as a Keptn service does.
func finish(t *testing.T, ferry string, triggered cloudevents.Event, data map[string]any, mode context.Context) {
	t.Helper()
	c, err := cloudevents.NewClientHTTP(cehttp.WithHeader("Authorization", "Bearer t0k"))
	if err != nil {
		t.Fatal(err)
	}
	task, _, _ := event.ParseType(triggered.Type())
	e := cloudevents.NewEvent()
	e.SetType(event.Type(task, event.PhaseFinished))
	e.SetSource("test-service")
	e.SetExtension(event.ExtContext, triggered.Extensions()[event.ExtContext])
	e.SetExtension(event.ExtTriggeredID, triggered.ID())
	if err := e.SetData(cloudevents.ApplicationJSON, data); err != nil {
		t.Fatal(err)
	}
	if res := c.Send(cloudevents.ContextWithTarget(mode, ferry+event.Path), e); !cloudevents.IsACK(res) {
		t.Fatalf("ferry refused the .finished event: %v", res)
	}
}

func TestEventsAnnounceAndFinishTasks(t *testing.T) {
	w := newWorld(t, "events.txtar")
	dir := t.TempDir()
	secret, token := filepath.Join(dir, "secret"), filepath.Join(dir, "token")
	for f, v := range map[string]string{secret: "k3y\n", token: "t0k"} {
		if err := os.WriteFile(f, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sub := newSubscriber(t, []byte("k3y"))
	gittest.CommitFiles(t, w.dir, "main", "subscribe to test and notify", gittest.Files{
		"ferry.yaml": gittest.Text("settle: 10s\nsubscriptions:\n  - tasks: [test, notify]\n    url: " + sub.srv.URL + "/keptn\n    stages: [dev]\n"),
	})
	w.announcing(secret, token)
	w.settle(time.Minute)
	w.report(status.Report{Kind: status.ReportDeployed, Stage: "dev", Service: "carts", Commit: w.git("rev-parse", "stage/dev")})
	w.settle(time.Minute)

	test := sub.next(t)
	run := w.runID("dev")
	id := "sockshop." + run + ".1.test"
	if test.Type() != "sh.keptn.event.test.triggered" || test.ID() != id || test.Source() != "ferry" || test.SpecVersion() != "1.0" || test.DataContentType() != "application/json" {
		t.Errorf("announcement: type %s id %s source %s specversion %s datacontenttype %s", test.Type(), test.ID(), test.Source(), test.SpecVersion(), test.DataContentType())
	}
	wantExt := map[string]any{
		"shkeptncontext": "sockshop." + run, "triggeredid": id, "ferryrun": run,
		"shkeptnspecversion": event.SpecVersion, "gitcommitid": w.git("rev-parse", "main"),
	}
	if diff := cmp.Diff(wantExt, test.Extensions()); diff != "" {
		t.Errorf("extensions (-want +got):\n%s", diff)
	}
	var data map[string]any
	if err := test.DataAs(&data); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"project": "sockshop", "stage": "dev", "service": "carts",
		"labels": map[string]any{"candidate": w.git("rev-parse", "main"), "sequence": "delivery", "version": "image=carts:0.11.1"},
		"test":   map[string]any{"teststrategy": "functional"},
		"deployment": map[string]any{
			"deploymentURIsLocal": []any{"http://carts.sockshop-dev:80"}, "deploymentNames": []any{"carts"}, "gitCommit": w.git("rev-parse", "stage/dev"),
		},
	}
	if diff := cmp.Diff(want, data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	// Passes that change nothing announce nothing again.
	w.settle(time.Minute)
	sub.none(t)

	// A restart of ferry announces the wait again, with the same id.
	ferry := w.announcing(secret, token)
	w.settle(time.Minute)
	if again := sub.next(t); again.ID() != id {
		t.Errorf("announced again as %s, want %s", again.ID(), id)
	}

	finish(t, ferry.URL, test, map[string]any{"project": "sockshop", "stage": "dev", "service": "carts", "status": "succeeded", "result": "pass"}, cloudevents.WithEncodingStructured(context.Background()))
	w.settle(time.Minute)
	notify := sub.next(t)
	if notify.Type() != "sh.keptn.event.notify.triggered" || notify.ID() != "sockshop."+run+".2.notify" {
		t.Fatalf("after the test: %s %s", notify.Type(), notify.ID())
	}
	finish(t, ferry.URL, notify, map[string]any{"status": "succeeded", "result": "pass"}, cloudevents.WithEncodingBinary(context.Background()))
	w.settle(time.Minute)
	if runs := w.git("show", "ferry/status:runs/dev/carts.yaml"); !strings.Contains(runs, "result: pass") {
		t.Fatalf("dev did not finish:\n%s", runs)
	}
	sub.none(t) // staging has no subscribed task
}
