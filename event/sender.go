package event

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
)

// Announcer is told, after every pass whose state is in Git, of every task
// that waits for an answer. Announce must not block.
type Announcer interface {
	Announce(waits []Wait)
}

// Defaults for [Options].
const (
	DefaultBackoff    = time.Second
	DefaultMaxBackoff = 5 * time.Minute
	DefaultTimeout    = 10 * time.Second
	// failuresLogged is the failed attempt at which a delivery logs an
	// error (the others log at V(1)).
	failuresLogged = 5
)

// Options configure a [Sender].
type Options struct {
	// SecretFile holds the key of the X-Ferry-Signature HMAC-SHA256 of
	// every request body, read (and trimmed of surrounding white space) on
	// every request so that a rotated key applies at once. Without one,
	// requests are not signed; with one that cannot be read, nothing is
	// sent.
	SecretFile string
	// Source is the events' source. Default [DefaultSource].
	Source string
	// Backoff is the wait before the first retry, doubled after every
	// failure up to MaxBackoff. Defaults [DefaultBackoff],
	// [DefaultMaxBackoff]. A delivery is retried until it succeeds, the
	// receiver refuses it (4xx other than 408 and 429), or the task no
	// longer waits.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Timeout bounds each request. Default [DefaultTimeout].
	Timeout time.Duration
	Log     logr.Logger
}

// Validate fills defaults.
func (o *Options) Validate() error {
	if o.Source == "" {
		o.Source = DefaultSource
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = max(DefaultMaxBackoff, o.Backoff)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return nil
}

// Sender announces waits to their subscribers from goroutines of its own:
// each (triggeredid, subscriber) once while it is in the set the loop
// hands it.
type Sender struct {
	opts   Options
	ctx    context.Context
	client cloudevents.Client

	mu         sync.Mutex
	closed     bool
	deliveries map[string]context.CancelFunc // by triggeredid and URL
	wg         sync.WaitGroup
	done       chan struct{}
}

var _ Announcer = (*Sender)(nil)

// NewSender returns a sender; it stops when ctx ends (see [Sender.Done]).
func NewSender(ctx context.Context, opts Options) (*Sender, error) {
	_ = opts.Validate()
	hc := http.Client{Timeout: opts.Timeout, Transport: &signer{next: http.DefaultTransport, secretFile: opts.SecretFile}}
	c, err := cloudevents.NewClientHTTP(cehttp.WithClient(hc))
	if err != nil {
		return nil, fmt.Errorf("create the cloudevents client: %w", err)
	}
	s := &Sender{opts: opts, ctx: ctx, client: c, deliveries: map[string]context.CancelFunc{}, done: make(chan struct{})}
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.wg.Wait()
		close(s.done)
	}()
	return s, nil
}

// Done is closed once the sender stopped and every delivery returned.
func (s *Sender) Done() <-chan struct{} { return s.done }

// Announce starts the deliveries of the waits not yet announced, and stops
// those of the waits no longer in the set.
func (s *Sender) Announce(waits []Wait) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	want := map[string]bool{}
	for i := range waits {
		w := &waits[i]
		var ev *cloudevents.Event
		for _, url := range w.Subscribers {
			key := w.ID.String() + " " + url
			want[key] = true
			if _, ok := s.deliveries[key]; ok {
				continue
			}
			if ev == nil {
				e := w.Event(s.opts.Source)
				ev = &e
			}
			ctx, cancel := context.WithCancel(s.ctx)
			s.deliveries[key] = cancel
			s.wg.Add(1)
			go s.deliver(ctx, url, *ev)
		}
	}
	for key, cancel := range s.deliveries {
		if !want[key] {
			cancel()
			delete(s.deliveries, key)
		}
	}
}

// deliver sends ev to url until it is accepted or refused, or ctx ends.
func (s *Sender) deliver(ctx context.Context, url string, ev cloudevents.Event) {
	defer s.wg.Done()
	log := s.opts.Log.WithValues("subscriber", gitstore.Redact(url), "triggeredid", ev.ID())
	wait := s.opts.Backoff
	for attempt := 1; ; attempt++ {
		err, permanent := s.send(ctx, url, ev)
		switch {
		case err == nil:
			log.V(1).Info("task announced", "attempts", attempt)
			return
		case ctx.Err() != nil:
			return
		case permanent:
			log.Error(err, "task announcement refused")
			return
		case attempt == failuresLogged:
			log.Error(err, "task announcement not delivered, retrying", "attempts", attempt)
		default:
			log.V(1).Info("task announcement failed", "error", err.Error(), "attempts", attempt)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, s.opts.MaxBackoff)
	}
}

// send posts ev in structured mode. Its error never holds the URL's
// credentials; permanent is set when the receiver refused the event.
func (s *Sender) send(ctx context.Context, url string, ev cloudevents.Event) (err error, permanent bool) {
	res := s.client.Send(cloudevents.WithEncodingStructured(cloudevents.ContextWithTarget(ctx, url)), ev)
	if cloudevents.IsACK(res) {
		return nil, false
	}
	var hr *cehttp.Result
	if cloudevents.ResultAs(res, &hr) {
		code := hr.StatusCode
		return fmt.Errorf("post to %s: receiver answered %d %s", gitstore.Redact(url), code, http.StatusText(code)),
			code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
	}
	msg := strings.ReplaceAll(res.Error(), url, gitstore.Redact(url))
	return fmt.Errorf("post to %s: %s", gitstore.Redact(url), msg), false
}

// Event returns the .triggered CloudEvent of a wait, in Keptn's format:
// project, stage, service and labels, the task's properties under the
// task's name, and the deployment under test.
func (w *Wait) Event(source string) cloudevents.Event {
	props := w.Properties
	if props == nil {
		props = map[string]any{}
	}
	data := map[string]any{
		w.ID.Task:    props,
		"project":    w.ID.Project,
		"stage":      w.Stage,
		"service":    w.Service,
		"labels":     w.Labels(),
		"deployment": w.Deployment(),
	}
	e := cloudevents.NewEvent()
	e.SetID(w.ID.String())
	e.SetSource(source)
	e.SetType(Type(w.ID.Task, PhaseTriggered))
	e.SetTime(w.Run.TaskStarted)
	e.SetExtension(ExtContext, w.ID.Context())
	e.SetExtension(ExtTriggeredID, w.ID.String())
	e.SetExtension(ExtRun, w.Run.ID)
	e.SetExtension(ExtSpecVersion, SpecVersion)
	e.SetExtension(ExtGitCommitID, w.Run.Candidate)
	_ = e.SetData(cloudevents.ApplicationJSON, data) // maps of strings and YAML values encode
	return e
}

// Sign returns the X-Ferry-Signature of body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// signer signs request bodies with the key in secretFile.
type signer struct {
	next       http.RoundTripper
	secretFile string
}

func (s *signer) RoundTrip(req *http.Request) (*http.Response, error) {
	if s.secretFile == "" {
		return s.next.RoundTrip(req)
	}
	key, err := os.ReadFile(s.secretFile)
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("read the event secret file: %w", err)
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, fmt.Errorf("read the event: %w", err)
		}
		_ = req.Body.Close()
	}
	signed := req.Clone(req.Context())
	signed.Body, signed.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	signed.Header.Set(SignatureHeader, Sign(bytes.TrimSpace(key), body))
	return s.next.RoundTrip(signed)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
