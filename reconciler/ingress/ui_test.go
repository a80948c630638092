package ingress_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/reconciler/ingress"
)

// The dashboard gets every path no endpoint claims, and no endpoint's.
func TestUIServesWhatNoEndpointClaims(t *testing.T) {
	l := newStatusLoop(t)
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "dashboard "+r.URL.Path) })
	for _, tc := range []struct {
		name     string
		ui       http.Handler
		method   string
		path     string
		wantCode int
		wantBody string
	}{
		{"a page", ui, http.MethodGet, "/projects/default/shop", http.StatusOK, "dashboard /projects/default/shop"},
		{"the index", ui, http.MethodGet, "/", http.StatusOK, "dashboard /"},
		{"the read API", ui, http.MethodGet, "/api/v1/projects", http.StatusOK, "dashboard /api/v1/projects"},
		{"health stays the endpoint's", ui, http.MethodGet, "/healthz", http.StatusOK, "ok"},
		{"a webhook stays the endpoint's", ui, http.MethodPost, "/hooks/git", http.StatusUnauthorized, "signature"},
		{"no dashboard without one", nil, http.MethodGet, "/projects/default/shop", http.StatusNotFound, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, l, ingress.ServerOptions{UI: tc.ui})
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantCode || !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("%s %s: %d %q, want %d and %q", tc.method, tc.path, resp.StatusCode, body, tc.wantCode, tc.wantBody)
			}
		})
	}
}
