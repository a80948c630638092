package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/stages"
	"github.com/ferrycd/ferry/status"
)

// Event is what a notification is about.
type Event string

// Notification events.
const (
	EventApprovalNeeded   Event = "approval-needed"
	EventApprovalExpired  Event = "approval-expired"
	EventGateFailed       Event = "gate-failed"
	EventRolledBack       Event = "rolled-back"
	EventProblemEscalated Event = "problem-escalated"
	// EventUnsignedCandidate: a run stopped because its candidate is not
	// signed by an allowed signer (ferry.yaml verify).
	EventUnsignedCandidate Event = "unsigned-candidate"
)

// ForTask returns the notification a task's result calls for and its
// message, or "" when it calls for none: a failed quality gate, a
// candidate not signed for its stage.
func ForTask(task, result, msg string) (Event, string) {
	switch {
	case task == stages.TaskEvaluation && result == stages.ResultFail:
		return EventGateFailed, "the quality gate failed: " + msg
	case result == status.ResultUnsigned:
		return EventUnsignedCandidate, msg
	}
	return "", ""
}

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

// Defaults for [Options].
const (
	DefaultAttempts = 5
	DefaultBackoff  = time.Second
	DefaultTimeout  = 10 * time.Second
)

// Options configure the webhooks ferry notifies. The URLs are secrets
// (an incoming webhook's URL is its credential): they are trimmed of
// surrounding white space, and errors and logs name the receiver
// ([ReceiverWebhook], [ReceiverSlack]), never the URL.
type Options struct {
	// WebhookURL receives each notification as JSON.
	WebhookURL string
	// SlackURL is a Slack-compatible incoming webhook ({"text": …}).
	SlackURL string
	// Attempts per notification. Default [DefaultAttempts].
	Attempts int
	// Backoff before the first retry, doubled each time. Default
	// [DefaultBackoff].
	Backoff time.Duration
	// Timeout of each request. Default [DefaultTimeout].
	Timeout time.Duration
	Log     logr.Logger
}

// Validate trims the URLs, fills defaults and reports every URL that is
// not an http or https URL with a host, by receiver name.
func (o *Options) Validate() error {
	var errs []error
	o.receivers(func(_ string, err error) { errs = append(errs, err) })
	return errors.Join(errs...)
}

// receivers trims the URLs, fills defaults and returns the receivers whose
// URL is valid; invalid is called for each of the others.
func (o *Options) receivers(invalid func(name string, err error)) []*receiver {
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	o.WebhookURL, o.SlackURL = strings.TrimSpace(o.WebhookURL), strings.TrimSpace(o.SlackURL)
	var out []*receiver
	for _, c := range []struct{ name, url string }{{ReceiverWebhook, o.WebhookURL}, {ReceiverSlack, o.SlackURL}} {
		if c.url == "" {
			continue
		}
		r, err := newReceiver(c.name, c.url)
		if err != nil {
			invalid(c.name, err)
			continue
		}
		out = append(out, r)
	}
	return out
}

// Webhook posts notifications from its own goroutine, with
// retries; a failing receiver never slows the loop, and a full queue drops
// (and logs) rather than blocks.
type Webhook struct {
	opts      Options
	receivers []*receiver
	client    *http.Client
	queue     chan Notification
	done      chan struct{}
}

var _ Notifier = (*Webhook)(nil)

// NewWebhook starts a notifier; it stops when ctx ends. A receiver whose
// URL is invalid (see [Options.Validate]) is logged once and left out.
func NewWebhook(ctx context.Context, opts Options) *Webhook {
	receivers := opts.receivers(func(name string, err error) {
		opts.Log.Error(err, "notification receiver left out", "receiver", name)
	})
	n := &Webhook{
		opts: opts, receivers: receivers, client: &http.Client{Timeout: opts.Timeout},
		queue: make(chan Notification, 256), done: make(chan struct{}),
	}
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
			for _, r := range n.receivers {
				n.deliver(ctx, r, note)
			}
		}
	}
}

// body encodes a notification for a receiver.
func body(r *receiver, note Notification) []byte {
	var b []byte
	if r.name == ReceiverSlack {
		b, _ = json.Marshal(map[string]string{"text": slackText(note)})
	} else {
		b, _ = json.Marshal(note)
	}
	return b
}

// deliver posts a notification, retrying with backoff on errors and
// 5xx/429.
func (n *Webhook) deliver(ctx context.Context, r *receiver, note Notification) {
	data := body(r, note)
	wait := n.opts.Backoff
	var last error
	for attempt := 1; attempt <= n.opts.Attempts; attempt++ {
		last = n.post(ctx, r, data)
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
	n.opts.Log.Error(last, "notification not delivered", "receiver", r.name, "event", note.Event, "service", note.Service, "stage", note.Stage, "attempts", n.opts.Attempts)
}

// post sends one request. Its error names the receiver, never its URL.
func (n *Webhook) post(ctx context.Context, r *receiver, data []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url.String(), bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("post to %s: %s", r.name, r.clean(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("post to %s: %s", r.name, r.clean(err))
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("post to %s: receiver answered %s", r.name, resp.Status)
	}
	return nil
}

func slackText(n Notification) string {
	var b strings.Builder
	icon := map[Event]string{EventApprovalNeeded: ":raising_hand:", EventApprovalExpired: ":hourglass:", EventGateFailed: ":x:", EventRolledBack: ":rewind:", EventProblemEscalated: ":rotating_light:", EventUnsignedCandidate: ":lock:"}[n.Event]
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

// About returns the notification of an event in a run of a service in a
// stage, at a time; verdict is the run's verdict when a gate scored it.
func About(event Event, slot *status.Slot, run *status.Run, verdict, msg string, at time.Time) Notification {
	n := Notification{
		Event: event, Stage: slot.Stage, Service: slot.Service, Candidate: run.Candidate, Run: run.ID,
		Version: run.Pin, Message: msg, Commit: run.StageCommit, Time: at,
	}
	if run.Score != nil {
		score := *run.Score
		n.Score, n.Verdict = &score, verdict
	}
	return n
}
