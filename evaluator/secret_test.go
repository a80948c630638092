package evaluator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/evaluator"
)

const (
	promToken    = "prom-b3arer-t0ken"
	promPassword = "prom-p4ssw0rd"
)

// echoingProm answers every query with code and a body that echoes the
// request's Authorization header, as some proxies' error pages do.
func echoingProm(code int, jsonBody bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := "request was:\nAuthorization: " + r.Header.Get("Authorization") + "\n" + strings.Repeat("x", 2000)
		if jsonBody {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": "bad_data", "error": echo})
			return
		}
		w.WriteHeader(code)
		_, _ = fmt.Fprint(w, echo)
	})
}

func secretFile(tb testing.TB, value string) string {
	tb.Helper()
	f := filepath.Join(tb.TempDir(), "secret")
	if err := os.WriteFile(f, []byte(value+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

// An error reason is recorded in the ledger and in notes: it never holds a
// configured secret (in any form the request carried it), is one line,
// and is bounded.
func TestQueryErrorsNeverHoldSecrets(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("ferry:" + promPassword))
	auths := map[string]func(*evaluator.PrometheusOptions){
		"bearer": func(o *evaluator.PrometheusOptions) { o.BearerTokenFile = secretFile(t, promToken) },
		"basic": func(o *evaluator.PrometheusOptions) {
			o.BasicAuthUser, o.BasicAuthPasswordFile = "ferry", secretFile(t, promPassword)
		},
		"url": func(o *evaluator.PrometheusOptions) {
			o.URL = strings.Replace(o.URL, "http://", "http://ferry:"+promPassword+"@", 1)
		},
	}
	for _, code := range []int{400, 422, 500, 503} {
		for _, jsonBody := range []bool{true, false} {
			srv := httptest.NewServer(echoingProm(code, jsonBody))
			defer srv.Close()
			for name, auth := range auths {
				t.Run(fmt.Sprintf("%d/json=%v/%s", code, jsonBody, name), func(t *testing.T) {
					opts := evaluator.PrometheusOptions{URL: srv.URL, Timeout: 5 * time.Second}
					auth(&opts)
					q, err := evaluator.NewPrometheus(opts)
					if err != nil {
						t.Fatal(err)
					}
					e := &evaluator.Evaluator{Querier: q}
					slo, d := evaluator.ParseSLO("slo.yaml", []byte("spec_version: \"1.0\"\nobjectives:\n  - sli: errors\n    pass: [{criteria: [\"<1\"]}]\n"))
					if d.HasErrors() {
						t.Fatal(d.Diagnostics())
					}
					rec := e.Evaluate(context.Background(), evaluator.Request{SLO: slo, Indicators: map[string]string{"errors": "up"}, Placeholders: evaluator.Placeholders{Window: evaluator.Window{Start: t0.Add(-time.Minute), End: t0}}})
					data, err := json.Marshal(rec)
					if err != nil {
						t.Fatal(err)
					}
					reason := rec.Values["errors"].Err
					if reason == "" {
						t.Fatalf("no error reason: %s", data)
					}
					for _, s := range []string{promToken, promPassword, basic} {
						if strings.Contains(string(data), s) {
							t.Errorf("the record holds a secret: %s", reason)
						}
					}
					if strings.ContainsAny(reason, "\r\n") || len(reason) > evaluator.MaxReasonLength {
						t.Errorf("reason is not one bounded line (%d bytes): %q", len(reason), reason)
					}
				})
			}
		}
	}
}
