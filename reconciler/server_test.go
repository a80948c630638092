package reconciler_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

func TestWebhookSignatures(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := ingress.Handler(reconciler.NewLoop(w.rec, time.Minute), ingress.ServerOptions{WebhookSecretFile: secret})
	body := []byte(`{"ref":"refs/heads/main"}`)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(body)
	sig := hex.EncodeToString(mac.Sum(nil))
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"github", map[string]string{"X-Hub-Signature-256": "sha256=" + sig, "X-GitHub-Event": "push"}, http.StatusAccepted},
		{"gitea", map[string]string{"X-Gitea-Signature": sig}, http.StatusAccepted},
		{"gitlab", map[string]string{"X-Gitlab-Token": "s3cret"}, http.StatusAccepted},
		{"bitbucket server", map[string]string{"X-Hub-Signature": "sha256=" + sig}, http.StatusAccepted},
		{"bad signature", map[string]string{"X-Hub-Signature-256": "sha256=00" + sig[2:]}, http.StatusUnauthorized},
		{"bad gitlab token", map[string]string{"X-Gitlab-Token": "nope"}, http.StatusUnauthorized},
		{"unsigned", nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodPost, "/hooks/git", bytes.NewReader(body))
		for k, v := range tt.headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, rec.Code, tt.want)
		}
	}
	// Without a configured secret every webhook is refused.
	open := ingress.Handler(reconciler.NewLoop(w.rec, time.Minute), ingress.ServerOptions{})
	req := httptest.NewRequest(http.MethodPost, "/hooks/git", bytes.NewReader(body))
	req.Header.Set("X-Gitlab-Token", "")
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("no secret configured: %d", rec.Code)
	}
}

func TestReportValidation(t *testing.T) {
	w := newWorld(t, "promote.txtar")
	tok := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(tok, []byte("t0k"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := ingress.Handler(reconciler.NewLoop(w.rec, time.Minute), ingress.ServerOptions{ReportTokenFile: tok})
	for body, want := range map[string]int{
		`{"kind":"deployed"}`:                         http.StatusBadRequest,
		`{"kind":"test","run":"r1","result":"maybe"}`: http.StatusBadRequest,
		`{"kind":"dance"}`:                            http.StatusBadRequest,
		`{"kind":"test","run":"r1","resutl":"pass"}`:  http.StatusBadRequest,
		`{"kind":"test","run":"r1","result":"pass"}`:  http.StatusAccepted,
		`{"kind":"task","run":"r1","result":"pass"}`:  http.StatusBadRequest,
		`not json`: http.StatusBadRequest,
	} {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/reports", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t0k")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("%s: %d %s, want %d", body, rec.Code, rec.Body, want)
		}
	}
}

func TestUnreachableGitIsNotReady(t *testing.T) {
	s, err := gitstore.Open(gitstore.Options{URL: "http://127.0.0.1:1/repo.git", Dir: filepath.Join(t.TempDir(), "state"), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	r, err := reconciler.New(reconciler.Options{Store: s, Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Pass(t.Context()); !gitstore.IsTransient(err) {
		t.Fatalf("pass against an unreachable server: %v", err)
	}
	loop := reconciler.NewLoop(r, time.Hour)
	ctx, cancel := contextWithTimeout(t, 3*time.Second)
	defer cancel()
	go func() { _ = loop.Run(ctx) }()
	h := ingress.Handler(loop, ingress.ServerOptions{})
	deadline := time.Now().Add(3 * time.Second)
	for {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		if rec.Code == http.StatusServiceUnavailable && strings.Contains(rec.Body.String(), "remote unreachable") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz: %d %s", rec.Code, rec.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
