package ingress_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/reconciler/ingress"
)

func post(tb testing.TB, url string, body []byte, headers map[string]string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(msg)
}

// The alerts of one Alertmanager payload are recorded in one commit.
func TestAlertsAreRecordedInOneCommit(t *testing.T) {
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{AlertToken: "al3rt"})
	type alert struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	}
	var alerts []alert
	for i := range 300 {
		alerts = append(alerts, alert{Status: "firing", Labels: map[string]string{"service": fmt.Sprintf("svc%d", i), "stage": "production", "alertname": "HighLatency"}, Annotations: map[string]string{"summary": "p90 over 1s"}})
	}
	alerts = append(alerts, alert{Status: "firing", Labels: map[string]string{"alertname": "Watchdog"}}) // not one of ours
	body, err := json.Marshal(map[string]any{"version": "4", "status": "firing", "alerts": alerts})
	if err != nil {
		t.Fatal(err)
	}
	code, msg := post(t, srv.URL+"/hooks/alertmanager", body, map[string]string{"Authorization": "Bearer al3rt"})
	if code != http.StatusAccepted || !strings.Contains(msg, "recorded 300 alert(s)") {
		t.Fatalf("alertmanager: %d %s", code, msg)
	}
	if n := l.commits(t); n != 1 {
		t.Errorf("ferry/status has %d commits, want 1", n)
	}
	if n := len(l.reports(t)); n != 300 {
		t.Errorf("ferry/status holds %d reports, want 300", n)
	}
	if records, triggers := l.counts(); records != 1 || triggers != 1 {
		t.Errorf("%d writes and %d triggers, want one each", records, triggers)
	}
}

// A signed Flux event replayed (by an attacker, or by Flux retrying) is
// recorded once.
func TestReplayedSignalIsRecordedOnce(t *testing.T) {
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{SignalSecret: "s1gnal"})
	data, err := os.ReadFile("../testdata/signals/flux-succeeded.json")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.ReplaceAll(data, []byte("{{SHA}}"), []byte(strings.Repeat("ab", 20)))
	for range 3 {
		if code, msg := post(t, srv.URL+"/hooks/flux", body, map[string]string{"X-Signature": sign("s1gnal", body)}); code != http.StatusAccepted {
			t.Fatalf("flux: %d %s", code, msg)
		}
	}
	if n := len(l.reports(t)); n != 1 {
		t.Errorf("ferry/status holds %d reports, want 1", n)
	}
	if n := l.commits(t); n != 1 {
		t.Errorf("ferry/status has %d commits, want 1", n)
	}
	// A signal about a commit that is no full hash is refused, not retried.
	bad := bytes.ReplaceAll(data, []byte("{{SHA}}"), []byte(`abc\n\nFerry-Stage: production`))
	if code, msg := post(t, srv.URL+"/hooks/flux", bad, map[string]string{"X-Signature": sign("s1gnal", bad)}); code != http.StatusBadRequest {
		t.Errorf("flux with a bad commit: %d %s, want 400", code, msg)
	}
}
