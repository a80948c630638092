package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/ferrycd/ferry/dashboard"
)

// stream follows /events with query q and sends each event's data on the
// channel; it ends when ctx does.
func stream(tb testing.TB, ctx context.Context, url string) <-chan string {
	tb.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		tb.Fatalf("GET %s: %d %s", url, resp.StatusCode, ct)
	}
	out := make(chan string, 8)
	ready := make(chan struct{})
	go func() {
		defer close(out)
		defer func() { _ = resp.Body.Close() }()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": ferry dashboard":
				close(ready)
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "refs":
				out <- strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		tb.Fatalf("GET %s: the stream did not start", url)
	}
	return out
}

func TestEventsWhenRefsMove(t *testing.T) {
	repo := storyRepo(t)
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // runs after the server and store closed
	f := newFixture(t, repo)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mine := stream(t, ctx, f.url("/events?project=shop/sockshop"))
	other := stream(t, ctx, f.url("/events?project=shop/other"))
	proposeProduction(t, repo, "image=docker.io/keptnexamples/carts:0.11.3")

	select {
	case data := <-mine:
		var c dashboard.Change
		if err := json.Unmarshal([]byte(data), &c); err != nil || c.Project != "shop/sockshop" || c.Refs == "" {
			t.Errorf("event data %s (%v), want a change of shop/sockshop", data, err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no refs event after a commit on ferry/status")
	}
	select {
	case data := <-other:
		t.Errorf("a stream of another project received %s", data)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	for range mine { // the stream ends with its request
	}
}

// TestReadsWhileTheLoopWrites reads the dashboard while the same store
// fetches and pushes, as a reconciler sharing it does (run it with -race).
func TestReadsWhileTheLoopWrites(t *testing.T) {
	f := newFixtureFetching(t, storyRepo(t), false)
	done := make(chan error, 1)
	go func() {
		var err error
		defer func() { done <- err }()
		for pr := 1; pr <= 5; pr++ {
			if _, err = proposal(f.store, "image=docker.io/keptnexamples/carts:0.11."+strconv.Itoa(pr+2), pr); err != nil {
				return
			}
		}
	}()
	paths := []string{
		"/api/v1/projects/shop/sockshop/status", "/projects/shop/sockshop",
		"/projects/shop/sockshop/services/carts", "/api/v1/projects/shop/sockshop/problems",
	}
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			_, body := get(t, f.url("/projects/shop/sockshop"))
			if !strings.Contains(string(body), "https://forge.example/shop/sockshop/pull/5") {
				t.Error("after the last push the board does not link pull request 5")
			}
			return
		default:
		}
		p := paths[i%len(paths)]
		if code, body := get(t, f.url(p)); code != http.StatusOK {
			t.Fatalf("GET %s while the store is updated: %d %s", p, code, body)
		}
	}
}
