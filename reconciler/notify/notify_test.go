package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/ferrycd/ferry/reconciler/notify"
)

// flaky fails its first n requests with 503, then records bodies.
type flaky struct {
	n      int32
	calls  atomic.Int32
	mu     sync.Mutex
	bodies []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.calls.Add(1) <= f.n {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.mu.Unlock()
}

func (f *flaky) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies...)
}

func TestNotificationsAreRetried(t *testing.T) {
	hook, slack := &flaky{n: 2}, &flaky{n: 2}
	hs, ss := httptest.NewServer(hook), httptest.NewServer(slack)
	defer hs.Close()
	defer ss.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := notify.NewWebhook(ctx, notify.Options{WebhookURL: hs.URL, SlackURL: ss.URL, Backoff: 10 * time.Millisecond, Log: testr.New(t)})
	score := 42.0
	n.Notify(notify.Notification{Event: notify.EventGateFailed, Stage: "staging", Service: "carts", Version: "image=carts:0.11.2", Verdict: "fail", Score: &score, Message: "the quality gate failed", Commit: "0123456789abcdef"})
	deadline := time.Now().Add(5 * time.Second)
	for len(hook.got()) == 0 || len(slack.got()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered after %d and %d calls", hook.calls.Load(), slack.calls.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if hook.calls.Load() != 3 || slack.calls.Load() != 3 {
		t.Errorf("calls: webhook %d, slack %d; want 3 each (2 failures, then delivered once)", hook.calls.Load(), slack.calls.Load())
	}
	var got notify.Notification
	if err := json.Unmarshal([]byte(hook.got()[0]), &got); err != nil || got.Event != "gate-failed" || got.Service != "carts" || *got.Score != 42 {
		t.Errorf("webhook body: %v %s", err, hook.got()[0])
	}
	var text struct{ Text string }
	if err := json.Unmarshal([]byte(slack.got()[0]), &text); err != nil || !strings.Contains(text.Text, "*gate-failed* — carts in staging (`image=carts:0.11.2`)") || !strings.Contains(text.Text, "verdict: fail 42") {
		t.Errorf("slack text: %v %q", err, text.Text)
	}
}

// TestSlackTextIcons checks that every event's Slack text starts with an
// icon.
func TestSlackTextIcons(t *testing.T) {
	slack := &flaky{}
	ss := httptest.NewServer(slack)
	defer ss.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := notify.NewWebhook(ctx, notify.Options{SlackURL: ss.URL, Backoff: 10 * time.Millisecond, Log: testr.New(t)})
	events := []notify.Event{notify.EventApprovalNeeded, notify.EventApprovalExpired, notify.EventGateFailed, notify.EventRolledBack, notify.EventProblemEscalated, notify.EventUnsignedCandidate}
	for _, e := range events {
		n.Notify(notify.Notification{Event: e, Stage: "production", Service: "carts", Message: "m"})
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(slack.got()) < len(events) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d delivered", len(slack.got()), len(events))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, body := range slack.got() {
		var text struct{ Text string }
		if err := json.Unmarshal([]byte(body), &text); err != nil || !strings.HasPrefix(text.Text, ":") {
			t.Errorf("slack text without an icon: %v %q", err, text.Text)
		}
	}
}

func TestNotifyingNeverBlocksTheLoop(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := notify.NewWebhook(ctx, notify.Options{WebhookURL: srv.URL, Timeout: time.Minute, Log: testr.New(t)})
	start := time.Now()
	for range 1000 {
		n.Notify(notify.Notification{Event: notify.EventRolledBack, Stage: "s", Service: "x"})
	}
	if time.Since(start) > time.Second {
		t.Errorf("notifying 1000 times against a hung receiver took %s", time.Since(start))
	}
}
