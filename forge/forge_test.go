package forge_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ferrycd/ferry/forge"
)

// exchange is a recorded request and response of a forge's API, written
// from the API's documentation.
type exchange struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
		Body    map[string]string `json:"body"`
	} `json:"request"`
	Response struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
}

// replay serves the recorded exchanges and fails the test on any request
// that does not match one exactly (method, escaped path, headers, body).
func replay(t *testing.T, file string) (string, map[string]*exchange) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var xs []*exchange
	if err := json.Unmarshal(data, &xs); err != nil {
		t.Fatal(err)
	}
	byName := map[string]*exchange{}
	for _, x := range xs {
		byName[x.Name] = x
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, x := range xs {
			if r.Method != x.Request.Method || r.URL.EscapedPath() != x.Request.Path {
				continue
			}
			for k, v := range x.Request.Headers {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URL.Path, k, got, v)
				}
			}
			if x.Request.Body != nil {
				var body map[string]string
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &body); err != nil || !reflect.DeepEqual(body, x.Request.Body) {
					t.Errorf("%s %s: body %s, want %v", r.Method, r.URL.Path, b, x.Request.Body)
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(x.Response.Status)
			_, _ = w.Write(x.Response.Body)
			return
		}
		t.Errorf("unrecorded request %s %s", r.Method, r.URL.EscapedPath())
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, byName
}

func TestForges(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t0k3n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind, file, prefix string
		opened, closed     int
		url, approver      string
	}{
		{forge.GitHub, "github.json", "", 1347, 1348, "https://github.com/team/delivery/pull/1347", "octocat"},
		{forge.GitLab, "gitlab.json", "/api/v4", 12, 13, "https://gitlab.example.com/team/delivery/-/merge_requests/12", "root"},
		{forge.Gitea, "gitea.json", "/api/v1", 4, 5, "https://gitea.example.com/team/delivery/pulls/4", "gitea-admin"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			base, _ := replay(t, tt.file)
			c, err := forge.New(forge.Options{Kind: tt.kind, API: base + tt.prefix, Repo: "team/delivery", TokenFile: tok})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			pr, err := c.Open(ctx, forge.Request{Head: "ferry/proposals/production/carts", Base: "stage/production", Title: "Promote carts image=carts:0.11.2 to production", Body: "BODY"})
			if err != nil || pr.Number != tt.opened || pr.URL != tt.url || pr.State != forge.StateOpen {
				t.Fatalf("Open = %+v, %v", pr, err)
			}
			merged, err := c.Get(ctx, tt.opened)
			if err != nil || merged.State != forge.StateMerged || merged.MergedBy != tt.approver {
				t.Errorf("Get(merged) = %+v, %v", merged, err)
			}
			closed, err := c.Get(ctx, tt.closed)
			if err != nil || closed.State != forge.StateClosed {
				t.Errorf("Get(closed) = %+v, %v", closed, err)
			}
		})
	}
}

func TestForgeErrorsNameTheRequestAndHideTheToken(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("s3cret-t0k3n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"message":"Validation Failed","errors":[{"message":"A pull request already exists"}]}`, http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	c, err := forge.New(forge.Options{Kind: forge.GitHub, API: srv.URL, Repo: "team/delivery", TokenFile: tok})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Open(context.Background(), forge.Request{Head: "h", Base: "b", Title: "t"})
	if err == nil || !strings.Contains(err.Error(), "422") || !strings.Contains(err.Error(), "A pull request already exists") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v", err)
	}
	if _, err := forge.New(forge.Options{Kind: "bitbucket", Repo: "x"}); err == nil {
		t.Error("an unknown forge kind was accepted")
	}
}
