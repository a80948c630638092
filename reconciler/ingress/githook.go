package ingress

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// webhookOK verifies a push or pull request webhook (any event: they
// are signed alike) from GitHub (X-Hub-Signature-256),
// Gitea (X-Gitea-Signature), GitLab (X-Gitlab-Token) or Bitbucket Server
// (X-Hub-Signature with sha256=). The signature is checked over the body
// and, for a form (application/x-www-form-urlencoded), over its payload
// field too: GitHub signs the body as sent, Gitea the JSON payload before
// it encodes the form.
func webhookOK(r *http.Request, body []byte, secret string) bool {
	if secret == "" {
		return false
	}
	if v := r.Header.Get("X-Gitlab-Token"); v != "" {
		return subtle.ConstantTimeCompare([]byte(v), []byte(secret)) == 1
	}
	signed := [][]byte{body}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" {
		if form, err := url.ParseQuery(string(body)); err == nil && form.Has("payload") {
			signed = append(signed, []byte(form.Get("payload")))
		}
	}
	for _, b := range signed {
		if hubSignatureOK(r, b, secret) {
			return true
		}
	}
	return false
}

// hubSignatureOK checks the HMAC-SHA256 of body in the first signature
// header a forge sent.
func hubSignatureOK(r *http.Request, body []byte, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	sum := hex.EncodeToString(mac.Sum(nil))
	for _, h := range []string{"X-Hub-Signature-256", "X-Hub-Signature"} {
		if v, ok := strings.CutPrefix(r.Header.Get(h), "sha256="); ok {
			return hmac.Equal([]byte(v), []byte(sum))
		}
	}
	if v := r.Header.Get("X-Gitea-Signature"); v != "" {
		return hmac.Equal([]byte(v), []byte(sum))
	}
	return false
}
