package event_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"

	"github.com/ferrycd/ferry/event"
	"github.com/ferrycd/ferry/status"
)

// receiver records what reaches it and answers with the codes it is given,
// then 200.
type receiver struct {
	mu     sync.Mutex
	codes  []int
	got    []http.Header
	bodies [][]byte
	srv    *httptest.Server
}

func newReceiver(t *testing.T, codes ...int) *receiver {
	t.Helper()
	r := &receiver{codes: codes}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got, r.bodies = append(r.got, req.Header.Clone()), append(r.bodies, body)
		code := http.StatusOK
		if len(r.codes) > 0 {
			code, r.codes = r.codes[0], r.codes[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

// waitFor polls until the receiver saw n requests.
func (r *receiver) waitFor(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); r.count() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests, want %d", r.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newSender(t *testing.T, secretFile string) *event.Sender {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := event.NewSender(ctx, event.Options{SecretFile: secretFile, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Log: testr.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select { // every delivery goroutine returns
		case <-s.Done():
		case <-time.After(5 * time.Second):
			t.Error("the sender did not stop")
		}
	})
	return s
}

func testWait(run string, urls ...string) event.Wait {
	return event.Wait{
		ID:    event.ID{Project: "sockshop", Run: run, Index: 1, Task: "test"},
		Stage: "dev", Service: "carts", Subscribers: urls,
		Run: &status.Run{ID: run, Candidate: "0123456789abcdef0123456789abcdef01234567", Sequence: "delivery", TaskStarted: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)},
	}
}

func TestSenderSigns(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("first\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rcv := newReceiver(t)
	s := newSender(t, secret)
	s.Announce([]event.Wait{testWait("r1", rcv.srv.URL)})
	rcv.waitFor(t, 1)
	// A rotated key applies to the next request.
	if err := os.WriteFile(secret, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Announce([]event.Wait{testWait("r1", rcv.srv.URL), testWait("r2", rcv.srv.URL)})
	rcv.waitFor(t, 2)
	for i, key := range []string{"first", "second"} {
		if got, want := rcv.got[i].Get(event.SignatureHeader), event.Sign([]byte(key), rcv.bodies[i]); got != want {
			t.Errorf("request %d: signature %q, want %q", i, got, want)
		}
		if ct := rcv.got[i].Get("Content-Type"); ct != "application/cloudevents+json" {
			t.Errorf("request %d: content type %q, want structured mode", i, ct)
		}
	}
	// Without a readable key nothing is sent.
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	s.Announce([]event.Wait{testWait("r3", rcv.srv.URL)})
	time.Sleep(50 * time.Millisecond)
	if n := rcv.count(); n != 2 {
		t.Errorf("%d requests without a key, want none more than 2", n)
	}
}

func TestSenderRetries(t *testing.T) {
	tests := []struct {
		name  string
		codes []int
		want  int // requests
	}{
		{"accepted at once", nil, 1},
		{"retried after errors", []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusInternalServerError}, 4},
		{"refused", []int{http.StatusBadRequest}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t, tt.codes...)
			s := newSender(t, "")
			w := testWait("r1", rcv.srv.URL)
			s.Announce([]event.Wait{w})
			rcv.waitFor(t, tt.want)
			// The same wait in later passes is not sent again.
			s.Announce([]event.Wait{w})
			time.Sleep(50 * time.Millisecond)
			if n := rcv.count(); n != tt.want {
				t.Errorf("%d requests, want %d", n, tt.want)
			}
			if sig := rcv.got[0].Get(event.SignatureHeader); sig != "" {
				t.Errorf("signed without a key: %q", sig)
			}
		})
	}
}

func TestSenderForgetsEndedWaits(t *testing.T) {
	rcv := newReceiver(t)
	s := newSender(t, "")
	w := testWait("r1", rcv.srv.URL)
	s.Announce([]event.Wait{w})
	rcv.waitFor(t, 1)
	s.Announce(nil) // the task no longer waits
	s.Announce([]event.Wait{w})
	rcv.waitFor(t, 2)
	// A receiver that never answers is left once the wait ends.
	down := newReceiver(t, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	s.Announce([]event.Wait{testWait("r2", down.srv.URL)})
	down.waitFor(t, 2)
	s.Announce(nil)
	time.Sleep(30 * time.Millisecond)
	n := down.count()
	time.Sleep(50 * time.Millisecond)
	if down.count() != n {
		t.Errorf("still retrying after the wait ended: %d then %d requests", n, down.count())
	}
}
