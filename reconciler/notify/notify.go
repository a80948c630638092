package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
)

// Event is what a notification is about.
type Event string

// Notification events.
const (
	EventApprovalNeeded   Event = "approval-needed"
	EventGateFailed       Event = "gate-failed"
	EventRolledBack       Event = "rolled-back"
	EventProblemEscalated Event = "problem-escalated"
)

// Notification is what ferry tells people: the event, where, and links.
type Notification struct {
	Event     Event     `json:"event"`
	Project   string    `json:"project,omitempty"`
	Stage     string    `json:"stage"`
	Service   string    `json:"service"`
	Candidate string    `json:"candidate,omitempty"`
	Run       string    `json:"run,omitempty"`
	Version   string    `json:"version,omitempty"`
	Verdict   string    `json:"verdict,omitempty"`
	Score     *float64  `json:"score,omitempty"`
	Message   string    `json:"message"`
	Commit    string    `json:"commit,omitempty"`
	Proposal  string    `json:"proposal,omitempty"`
	Time      time.Time `json:"time"`
}

// Notifier receives the loop's notifications. Notify must not block.
type Notifier interface {
	Notify(Notification)
}

// Options configure the webhooks ferry notifies.
type Options struct {
	// WebhookURL receives each notification as JSON.
	WebhookURL string
	// SlackURL is a Slack-compatible incoming webhook ({"text": …}).
	SlackURL string
	// Attempts per notification. Default 5.
	Attempts int
	// Backoff before the first retry, doubled each time. Default 1s.
	Backoff time.Duration
	// Timeout of each request. Default 10s.
	Timeout time.Duration
	Log     logr.Logger
}

// Webhook posts notifications from its own goroutine, with
// retries; a failing receiver never slows the loop, and a full queue drops
// (and logs) rather than blocks.
type Webhook struct {
	opts   Options
	client *http.Client
	queue  chan Notification
	done   chan struct{}
}

var _ Notifier = (*Webhook)(nil)

// NewWebhook starts a notifier; it stops when ctx ends.
func NewWebhook(ctx context.Context, opts Options) *Webhook {
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	n := &Webhook{opts: opts, client: &http.Client{Timeout: opts.Timeout}, queue: make(chan Notification, 256), done: make(chan struct{})}
	go n.run(ctx)
	return n
}

// Notify queues a notification.
func (n *Webhook) Notify(note Notification) {
	select {
	case n.queue <- note:
	default:
		n.opts.Log.Info("notification queue full, dropping", "event", note.Event, "service", note.Service, "stage", note.Stage)
	}
}

// Done is closed when the notifier stopped.
func (n *Webhook) Done() <-chan struct{} { return n.done }

func (n *Webhook) run(ctx context.Context) {
	defer close(n.done)
	for {
		select {
		case <-ctx.Done():
			return
		case note := <-n.queue:
			if n.opts.WebhookURL != "" {
				body, _ := json.Marshal(note)
				n.deliver(ctx, n.opts.WebhookURL, body, note)
			}
			if n.opts.SlackURL != "" {
				body, _ := json.Marshal(map[string]string{"text": slackText(note)})
				n.deliver(ctx, n.opts.SlackURL, body, note)
			}
		}
	}
}

// deliver posts body, retrying with backoff on errors and 5xx/429.
func (n *Webhook) deliver(ctx context.Context, url string, body []byte, note Notification) {
	wait := n.opts.Backoff
	var last error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		last = n.post(ctx, url, body)
		if last == nil {
			return
		}
		if attempt == n.opts.Attempts {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
	n.opts.Log.Error(last, "notification not delivered", "event", note.Event, "service", note.Service, "stage", note.Stage, "attempts", n.opts.Attempts)
}

func (n *Webhook) post(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		// The URL of an incoming webhook is its secret: never show it.
		return fmt.Errorf("post: %s", strings.ReplaceAll(err.Error(), url, "(webhook URL)"))
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

func slackText(n Notification) string {
	var b strings.Builder
	icon := map[Event]string{EventApprovalNeeded: ":raising_hand:", EventGateFailed: ":x:", EventRolledBack: ":rewind:", EventProblemEscalated: ":rotating_light:"}[n.Event]
	fmt.Fprintf(&b, "%s *%s* — %s in %s", icon, n.Event, n.Service, n.Stage)
	if n.Version != "" {
		fmt.Fprintf(&b, " (`%s`)", n.Version)
	}
	fmt.Fprintf(&b, ": %s", n.Message)
	if n.Verdict != "" {
		fmt.Fprintf(&b, "\nverdict: %s", n.Verdict)
		if n.Score != nil {
			fmt.Fprintf(&b, " %s", strconv.FormatFloat(*n.Score, 'g', 4, 64))
		}
	}
	if n.Proposal != "" {
		fmt.Fprintf(&b, "\nto approve, merge `%s` into the stage branch", n.Proposal)
	}
	if n.Commit != "" {
		fmt.Fprintf(&b, "\ncommit `%s`", gitstore.ShortSHA(n.Commit))
	}
	return b.String()
}
