package ingress_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Gitea's X-Hub-Signature, sent beside the SHA-256 one
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/reconciler/ingress"
)

// giteaDelivery builds a push delivery as Gitea's newDefaultRequest and
// addDefaultHeaders (services/webhook/deliver.go) do: the JSON payload as
// the body, or as the payload field of a form; signed over the JSON in both
// cases.
func giteaDelivery(tb testing.TB, secret, contentType string) (body []byte, headers map[string]string) {
	tb.Helper()
	payload := fixture(tb, "gitea/push.json", "")
	body = payload
	if contentType == "application/x-www-form-urlencoded" {
		body = []byte(url.Values{"payload": []string{string(payload)}}.Encode())
	}
	sig256 := strings.TrimPrefix(sign(secret, payload), "sha256=")
	mac1 := hmac.New(sha1.New, []byte(secret))
	mac1.Write(payload)
	return body, map[string]string{
		"Content-Type":        contentType,
		"X-Gitea-Delivery":    "f6266f16-1bf3-46a5-9ea4-602e06ead473",
		"X-Gitea-Event":       "push",
		"X-Gitea-Event-Type":  "push",
		"X-Gitea-Signature":   sig256,
		"X-Gogs-Signature":    sig256,
		"X-Hub-Signature":     "sha1=" + hex.EncodeToString(mac1.Sum(nil)),
		"X-Hub-Signature-256": "sha256=" + sig256,
		"X-GitHub-Event":      "push",
	}
}

// Push webhooks are verified as each forge signs them: Gitea over the JSON
// payload, also when it delivers a form; GitHub over the body as sent.
func TestPushWebhooksAsForgesSignThem(t *testing.T) {
	const secret = "s3cret"
	giteaJSON, giteaJSONHeaders := giteaDelivery(t, secret, "application/json")
	giteaForm, giteaFormHeaders := giteaDelivery(t, secret, "application/x-www-form-urlencoded")
	_, otherHeaders := giteaDelivery(t, "other", "application/x-www-form-urlencoded")
	giteaOnly := map[string]string{"Content-Type": giteaFormHeaders["Content-Type"], "X-Gitea-Signature": giteaFormHeaders["X-Gitea-Signature"]}
	githubForm := []byte(url.Values{"payload": []string{`{"ref":"refs/heads/main"}`}}.Encode())
	tampered := bytes.Replace(giteaForm, []byte("develop"), []byte("main"), 1)
	tests := []struct {
		name    string
		body    []byte
		headers map[string]string
		want    int
	}{
		{"gitea json", giteaJSON, giteaJSONHeaders, http.StatusAccepted},
		{"gitea form", giteaForm, giteaFormHeaders, http.StatusAccepted},
		{"gitea form, X-Gitea-Signature alone", giteaForm, giteaOnly, http.StatusAccepted},
		{"gitea form, tampered payload", tampered, giteaFormHeaders, http.StatusUnauthorized},
		{"github form", githubForm, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": sign(secret, githubForm)}, http.StatusAccepted},
		{"gitlab token", giteaJSON, map[string]string{"X-Gitlab-Token": secret}, http.StatusAccepted},
		{"form signed with another secret", giteaForm, otherHeaders, http.StatusUnauthorized},
		{"no signature", giteaJSON, map[string]string{"Content-Type": "application/json"}, http.StatusUnauthorized},
	}
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{WebhookSecret: secret})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, msg := post(t, srv.URL+"/hooks/git", tt.body, tt.headers); code != tt.want {
				t.Errorf("answered %d %q, want %d", code, msg, tt.want)
			}
		})
	}
}

// GitHub and GitLab deliver push payloads of up to 25 MB; the other
// endpoints keep their small limits.
func TestLargePushWebhooksAreAccepted(t *testing.T) {
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{WebhookSecret: "s3cret", SignalSecret: "s1gnal"})
	var b bytes.Buffer
	b.WriteString(`{"ref":"refs/heads/main","commits":[`)
	for i := 0; b.Len() < 25_000_000-2000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%040x","message":"%s"}`, i, strings.Repeat("m", 900))
	}
	b.WriteString(`]}`)
	body := b.Bytes()
	if len(body) > 25_000_000 || len(body) < 24_900_000 {
		t.Fatalf("the payload has %d bytes, want about 25 MB", len(body))
	}
	if code, msg := post(t, srv.URL+"/hooks/git", body, map[string]string{"X-Hub-Signature-256": sign("s3cret", body), "X-GitHub-Event": "push"}); code != http.StatusAccepted {
		t.Errorf("a 25 MB push: %d %q, want 202", code, msg)
	}
	if _, triggers := l.counts(); triggers != 1 {
		t.Errorf("%d triggers, want 1", triggers)
	}
	if code, _ := post(t, srv.URL+"/hooks/flux", body[:ingress.MaxSignalBody+1], map[string]string{"X-Signature": sign("s1gnal", body[:ingress.MaxSignalBody+1])}); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a signal over %d bytes: %d, want 413", ingress.MaxSignalBody, code)
	}
}
