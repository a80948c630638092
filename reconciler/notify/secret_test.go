package notify_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/ferrycd/ferry/reconciler/notify"
)

// logBuffer collects what a notifier logs.
type logBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuffer) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{})
}

func (l *logBuffer) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// waitFor waits until the log holds n lines with want.
func (l *logBuffer) waitFor(tb testing.TB, want string, n int) string {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(l.text(), want) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("no %d log lines with %q; log:\n%s", n, want, l.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return l.text()
}

// A Slack URL read from the environment or a file with a trailing newline
// is delivered to; its URL (the secret) is never logged.
func TestSlackURLIsTrimmed(t *testing.T) {
	slack := &flaky{}
	srv := httptest.NewServer(slack)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log logBuffer
	n := notify.NewWebhook(ctx, notify.Options{SlackURL: srv.URL + "/services/T0/B0/s3cr3tslackpath\n", Attempts: 1, Log: log.logger()})
	n.Notify(notify.Notification{Event: notify.EventRolledBack, Stage: "prod", Service: "carts"})
	deadline := time.Now().Add(5 * time.Second)
	for len(slack.got()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not delivered; log:\n%s", log.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if strings.Contains(log.text(), "s3cr3t") {
		t.Errorf("the log shows the slack url:\n%s", log.text())
	}
}

// A receiver that cannot be reached is logged by name, never by URL: not
// through url.Error's formatting, an upper-case scheme, or a URL that does
// not parse.
func TestUndeliveredNotificationsNeverLogTheURL(t *testing.T) {
	closed := httptest.NewServer(nil)
	dead := closed.URL
	closed.Close()
	tests := []struct {
		name, webhook, slack string
	}{
		{"connection refused", dead + "/hooks/s3cr3t?token=s3cr3t", dead + "/services/T0/B0/s3cr3t"},
		{"upper-case scheme", strings.Replace(dead, "http://", "HTTP://", 1) + "/hooks/s3cr3t", strings.Replace(dead, "http://", "Http://", 1) + "/services/s3cr3t"},
		{"does not parse", dead + "/hooks/s3cr3t%zz", "https://hooks.slack.com/services/s3cr3t\x7f"},
		{"user information", strings.Replace(dead, "http://", "http://user:s3cr3t@", 1) + "/x", dead + "/services/s3cr3t#s3cr3t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var log logBuffer
			n := notify.NewWebhook(ctx, notify.Options{WebhookURL: tt.webhook, SlackURL: tt.slack, Attempts: 2, Backoff: time.Millisecond, Log: log.logger()})
			n.Notify(notify.Notification{Event: notify.EventGateFailed, Stage: "prod", Service: "carts"})
			text := log.waitFor(t, "receiver", 2)
			if strings.Contains(text, "s3cr3t") {
				t.Errorf("the log shows a receiver's url:\n%s", text)
			}
			for _, name := range []string{`"webhook"`, `"slack"`} {
				if !strings.Contains(text, name) {
					t.Errorf("the log does not name the %s receiver:\n%s", name, text)
				}
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	o := notify.Options{WebhookURL: " https://example.com/hooks/s3cr3t\n", SlackURL: "https://hooks.slack.com/services/s3cr3t\r\n"}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if o.WebhookURL != "https://example.com/hooks/s3cr3t" || o.SlackURL != "https://hooks.slack.com/services/s3cr3t" {
		t.Errorf("URLs not trimmed: %q %q", o.WebhookURL, o.SlackURL)
	}
	if o.Attempts != notify.DefaultAttempts || o.Backoff != notify.DefaultBackoff || o.Timeout != notify.DefaultTimeout {
		t.Errorf("defaults not filled: %+v", o)
	}
	o = notify.Options{WebhookURL: "ftp://example.com/s3cr3t", SlackURL: "https://hooks.slack.com/s3cr3t%zz"}
	err := o.Validate()
	if err == nil || !strings.Contains(err.Error(), "webhook url") || !strings.Contains(err.Error(), "slack url") {
		t.Fatalf("Validate() = %v, want both receivers named", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "%zz") {
		t.Errorf("Validate() = %v: shows a url", err)
	}
}
