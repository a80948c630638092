package ingress_test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/reconciler/ingress"
)

// slowBody sends the headers of a POST with a body of length bytes, then
// one byte every tick, and returns what the server answered (status code,
// 0 for none) and when it closed the connection; code -1 when the
// connection is still open after limit.
func slowBody(tb testing.TB, addr, path string, length int, tick, limit time.Duration) (code int, after time.Duration) {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: ferry\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, length); err != nil {
		tb.Fatal(err)
	}
	closed := make(chan int, 1)
	go func() {
		br := bufio.NewReader(conn)
		code := 0
		if resp, err := http.ReadResponse(br, nil); err == nil {
			_ = resp.Body.Close()
			code = resp.StatusCode
		}
		_, _ = io.Copy(io.Discard, br) // until the server closes
		closed <- code
	}()
	t := time.NewTicker(tick)
	defer t.Stop()
	for sent := 0; ; sent++ {
		select {
		case code := <-closed:
			return code, time.Since(start)
		case <-t.C:
			if time.Since(start) > limit {
				return -1, time.Since(start)
			}
			if sent < length {
				_, _ = conn.Write([]byte("{"))
			}
		}
	}
}

// A client that sends headers and then trickles its body is cut off at the
// body deadline, on every path (known or not, authenticated or not).
func TestSlowBodiesAreTimedOut(t *testing.T) {
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{BodyTimeout: 300 * time.Millisecond, WebhookSecret: "s3cret", ReportToken: "t0k", SignalSecret: "s1gnal", AlertToken: "al3rt"})
	addr := srv.Listener.Addr().String()
	for _, path := range []string{"/hooks/git", "/api/v1/reports", "/hooks/flux", "/hooks/argocd", "/hooks/alertmanager", "/no/such/path"} {
		t.Run(path, func(t *testing.T) {
			code, after := slowBody(t, addr, path, 100_000, 20*time.Millisecond, 5*time.Second)
			switch {
			case code == -1:
				t.Fatalf("the connection is still open after %s", after)
			case code != 0 && code != http.StatusRequestTimeout && code != http.StatusNotFound:
				t.Errorf("answered %d, closed after %s; want 408 or no answer", code, after)
			}
			if after > 2*time.Second {
				t.Errorf("closed after %s, want about the 300ms deadline", after)
			}
		})
	}
	if records, triggers := l.counts(); records != 0 || triggers != 0 {
		t.Errorf("a slow body reached the loop: %d records, %d triggers", records, triggers)
	}
}

// A body over an endpoint's limit is refused with 413, not cut and then
// read as a bad signature or bad JSON.
func TestOversizedBodiesAreRefused(t *testing.T) {
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{WebhookSecret: "s3cret", SignalSecret: "s1gnal", ReportToken: "t0k"})
	for path, limit := range map[string]int64{"/hooks/git": ingress.MaxGitHookBody, "/hooks/flux": ingress.MaxSignalBody, "/api/v1/reports": ingress.MaxReportBody} {
		body := bytes.Repeat([]byte(" "), int(limit)+1)
		resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%s with %d bytes: %d, want 413", path, len(body), resp.StatusCode)
		}
	}
}

// The deadline bounds reading the body, not the work after it: a report
// whose push takes longer than the body deadline is still recorded.
func TestBodyDeadlineDoesNotCancelTheRequest(t *testing.T) {
	l := newStatusLoop(t)
	l.delay = 600 * time.Millisecond
	srv := serve(t, l, ingress.ServerOptions{BodyTimeout: 200 * time.Millisecond, ReportToken: "t0k"})
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/reports", strings.NewReader(`{"kind":"test","run":"r1","result":"pass"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer t0k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("report: %d %s", resp.StatusCode, msg)
	}
	if n := len(l.reports(t)); n != 1 {
		t.Errorf("ferry/status holds %d reports, want 1", n)
	}
}

func TestNewServerSetsTimeouts(t *testing.T) {
	s := ingress.NewServer(":0", nil)
	if s.ReadHeaderTimeout <= 0 || s.IdleTimeout <= 0 || s.WriteTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("NewServer leaves a timeout or limit unset: %+v", s)
	}
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
