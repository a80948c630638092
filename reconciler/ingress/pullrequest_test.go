package ingress_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/reconciler/ingress"
)

// A pull request's merge or close is told by the forge's pull_request
// webhook at /hooks/git, signed as the forge signs push deliveries: it
// wakes a pass, which reads the request's state from Git and the forge.
func TestPullRequestWebhooksWakeAPass(t *testing.T) {
	const secret = "s3cret"
	github := fixture(t, "github/pull_request-closed.json", "")
	gitea := fixture(t, "gitea/pull_request-closed.json", "")
	gitlab := fixture(t, "gitlab/merge_request-merge.json", "")
	giteaSig := strings.TrimPrefix(sign(secret, gitea), "sha256=")
	tests := []struct {
		name    string
		body    []byte
		headers map[string]string
		want    int
	}{
		{"github", github, map[string]string{
			"Content-Type": "application/json", "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
			"X-GitHub-Hook-ID": "292430182", "X-Hub-Signature-256": sign(secret, github),
		}, http.StatusAccepted},
		// Gitea's deliver.go sends its own headers and GitHub's beside
		// them; the type of a closed request's event is pull_request.
		{"gitea", gitea, map[string]string{
			"Content-Type": "application/json", "X-Gitea-Delivery": "f6266f16-1bf3-46a5-9ea4-602e06ead473",
			"X-Gitea-Event": "pull_request", "X-Gitea-Event-Type": "pull_request", "X-Gitea-Signature": giteaSig,
			"X-GitHub-Event": "pull_request", "X-Hub-Signature-256": "sha256=" + giteaSig,
		}, http.StatusAccepted},
		{"gitlab", gitlab, map[string]string{
			"Content-Type": "application/json", "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": secret,
			"X-Gitlab-Instance": "https://gitlab.example.com", "X-Gitlab-Webhook-UUID": "b7d6f1e5-3c3a-4b7e-9f0a-6f4d2b1c9e8a",
		}, http.StatusAccepted},
		{"github, tampered", bytes.Replace(github, []byte(`"merged": true`), []byte(`"merged": false`), 1), map[string]string{
			"Content-Type": "application/json", "X-GitHub-Event": "pull_request", "X-Hub-Signature-256": sign(secret, github),
		}, http.StatusUnauthorized},
		{"gitlab, wrong token", gitlab, map[string]string{"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": "guess"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newStatusLoop(t)
			srv := serve(t, l, ingress.ServerOptions{WebhookSecret: secret})
			if code, msg := post(t, srv.URL+"/hooks/git", tt.body, tt.headers); code != tt.want {
				t.Errorf("answered %d %q, want %d", code, msg, tt.want)
			}
			wantTriggers := 0
			if tt.want == http.StatusAccepted {
				wantTriggers = 1
			}
			if records, triggers := l.counts(); triggers != wantTriggers || records != 0 {
				t.Errorf("%d triggers and %d records, want %d and none", triggers, records, wantTriggers)
			}
		})
	}
}
