package forge_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/forge"
)

// exchange is a recorded request and response of a forge's API, written
// from the API's documentation.
type exchange struct {
	Name    string `json:"name"`
	Request struct {
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Query   string            `json:"query"`
		Headers map[string]string `json:"headers"`
		Body    map[string]string `json:"body"`
	} `json:"request"`
	// Once marks an answer given to the first matching request only (a
	// transient failure, a list read before a race).
	Once     bool `json:"once"`
	Response struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
	used bool
}

// replay serves the recorded exchanges and fails the test on any request
// that does not match one (method, escaped path, query and body; then the
// headers must match too). It returns the server's URL and the names of
// the exchanges answered, in order.
func replay(t *testing.T, file string) (string, func() []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var xs []*exchange
	if err := json.Unmarshal(data, &xs); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var answered []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		for _, x := range xs {
			want, _ := url.ParseQuery(x.Request.Query)
			if r.Method != x.Request.Method || r.URL.EscapedPath() != x.Request.Path || x.Once && x.used ||
				!reflect.DeepEqual(map[string][]string(r.URL.Query()), map[string][]string(want)) {
				continue
			}
			if x.Request.Body != nil {
				var body map[string]string
				if err := json.Unmarshal(b, &body); err != nil || !reflect.DeepEqual(body, x.Request.Body) {
					continue
				}
			}
			x.used = true
			answered = append(answered, x.Name)
			for k, v := range x.Request.Headers {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URL.Path, k, got, v)
				}
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(x.Response.Status)
			_, _ = w.Write(x.Response.Body)
			return
		}
		t.Errorf("unrecorded request %s %s?%s %s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, b)
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), answered...)
	}
}

func tokenFile(t testing.TB, token string) string {
	t.Helper()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestForges(t *testing.T) {
	tok := tokenFile(t, "t0k3n\n")
	tests := []struct {
		kind, file, prefix string
		opened, closed     int
		url, approver      string
		// existing is the request already open for staging, raced the
		// one a concurrent create opened for dev.
		existing, raced int
		// merge names the exchanges of a merge, retries included.
		merge []string
	}{
		{
			forge.GitHub, "github.json", "", 1347, 1348, "https://github.com/team/delivery/pull/1347", "octocat",
			1350, 1349,
			[]string{"merge: server error once", "merge"},
		},
		{
			forge.GitLab, "gitlab.json", "/api/v4", 12, 13, "https://gitlab.example.com/team/delivery/-/merge_requests/12", "root",
			14, 11,
			[]string{"merge"},
		},
		{
			forge.Gitea, "gitea.json", "/api/v1", 4, 5, "https://gitea.example.com/team/delivery/pulls/4", "gitea-admin",
			6, 3,
			[]string{"merge: not checked yet", "merge"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			base, answered := replay(t, tt.file)
			c, err := forge.New(forge.Options{Kind: tt.kind, API: base + tt.prefix, Repo: "team/delivery", TokenFile: tok, Backoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			pr, err := c.Open(ctx, forge.Request{Head: "ferry/proposals/production/carts", Base: "stage/production", Title: "Promote carts image=carts:0.11.2 to production", Body: "BODY"})
			if err != nil || pr.Number != tt.opened || pr.URL != tt.url || pr.State != forge.StateOpen {
				t.Fatalf("Open = %+v, %v", pr, err)
			}
			if diff := cmp.Diff([]string{"find none", "open"}, answered()); diff != "" {
				t.Errorf("Open asked (-want +got):\n%s", diff)
			}
			merged, err := c.Get(ctx, tt.opened)
			if err != nil || merged.State != forge.StateMerged || merged.MergedBy != tt.approver {
				t.Errorf("Get(merged) = %+v, %v", merged, err)
			}
			closed, err := c.Get(ctx, tt.closed)
			if err != nil || closed.State != forge.StateClosed {
				t.Errorf("Get(closed) = %+v, %v", closed, err)
			}

			// A request already open is returned, not opened again.
			n := len(answered())
			pr, err = c.Open(ctx, forge.Request{Head: "ferry/proposals/staging/carts", Base: "stage/staging", Title: "T", Body: "B"})
			if err != nil || pr.Number != tt.existing || pr.State != forge.StateOpen {
				t.Errorf("Open(already open) = %+v, %v", pr, err)
			}
			// One opened between ferry's look and its create: the
			// forge's refusal is answered by looking again.
			pr, err = c.Open(ctx, forge.Request{Head: "ferry/proposals/dev/carts", Base: "stage/dev", Title: "T", Body: "B"})
			if err != nil || pr.Number != tt.raced {
				t.Errorf("Open(raced) = %+v, %v", pr, err)
			}
			if diff := cmp.Diff([]string{"find open", "find before the race", "create refused: already open", "find after the race"}, answered()[n:]); diff != "" {
				t.Errorf("Open asked (-want +got):\n%s", diff)
			}

			n = len(answered())
			if err := c.Merge(ctx, tt.opened, "Approve carts in production"); err != nil {
				t.Errorf("Merge: %v", err)
			}
			if diff := cmp.Diff(tt.merge, answered()[n:]); diff != "" {
				t.Errorf("Merge asked (-want +got):\n%s", diff)
			}
			if err := c.Comment(ctx, tt.closed, "not this week"); err != nil {
				t.Errorf("Comment: %v", err)
			}
			if pr, err := c.Close(ctx, tt.closed); err != nil || pr.State != forge.StateClosed {
				t.Errorf("Close = %+v, %v", pr, err)
			}
			if who, err := c.User(ctx); err != nil || who != tt.approver {
				t.Errorf("User = %q, %v, want %q", who, err, tt.approver)
			}
		})
	}
}

func TestForgeErrorsNameTheRequestAndHideTheToken(t *testing.T) {
	tok := tokenFile(t, "s3cret-t0k3n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, "[]")
			return
		}
		http.Error(w, `{"message":"Validation Failed","errors":[{"message":"Head sha can't be blank"}]}`, http.StatusUnprocessableEntity)
	}))
	defer srv.Close()
	c, err := forge.New(forge.Options{Kind: forge.GitHub, API: srv.URL, Repo: "team/delivery", TokenFile: tok})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Open(context.Background(), forge.Request{Head: "h", Base: "b", Title: "t"})
	if err == nil || !strings.Contains(err.Error(), "POST /repos/team/delivery/pulls: 422") || !strings.Contains(err.Error(), "Head sha can't be blank") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %v", err)
	}
	if _, err := forge.New(forge.Options{Kind: "bitbucket", Repo: "x"}); err == nil {
		t.Error("an unknown forge kind was accepted")
	}
}

// TestForgeRetriesAreBounded checks that a forge that keeps failing is
// asked 1+Retries times, that a refusal is not retried, and that a
// cancelled context ends the backoff.
func TestForgeRetriesAreBounded(t *testing.T) {
	tok := tokenFile(t, "t0k3n")
	var mu sync.Mutex
	calls := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/repos/team/delivery/pulls/1/merge":
			http.Error(w, `{"message":"Please try again later","url":"https://gitea.example.com/api/swagger"}`, http.StatusMethodNotAllowed)
		case "/api/v1/repos/team/delivery/pulls/2/merge":
			http.Error(w, `{"message":"User not allowed to merge PR","url":"https://gitea.example.com/api/swagger"}`, http.StatusMethodNotAllowed)
		default:
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.URL + "/api/v1", Repo: "team/delivery", TokenFile: tok, Retries: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Merge(ctx, 1, "m"); err == nil || !strings.Contains(err.Error(), "405") {
		t.Errorf("Merge(1) = %v", err)
	}
	if err := c.Merge(ctx, 2, "m"); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Errorf("Merge(2) = %v", err)
	}
	if _, err := c.Get(ctx, 3); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("Get(3) = %v", err)
	}
	want := map[string]int{
		"/api/v1/repos/team/delivery/pulls/1/merge": 3,
		"/api/v1/repos/team/delivery/pulls/2/merge": 1,
		"/api/v1/repos/team/delivery/pulls/3":       3,
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	slow, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.URL + "/api/v1", Repo: "team/delivery", TokenFile: tok, Backoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := slow.Get(cctx, 3); err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("Get with a cancelled context = %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the backoff outlived its context: %s", d)
	}
}

// Gitea records a pushed branch in the background: a pull request opened
// right after the push may be refused with a 404 until it has. Opening
// tries again; reading a pull request that does not exist does not.
func TestOpenRightAfterThePush(t *testing.T) {
	tok := tokenFile(t, "t0k3n")
	var mu sync.Mutex
	posts, gets := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && posts < 2:
			posts++
			http.Error(w, `{"message":"target couldn't be found"}`, http.StatusNotFound)
		case r.Method == http.MethodPost:
			posts++
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"number": 4, "html_url": "https://gitea.example.com/team/delivery/pulls/4", "state": "open"}`)
		case r.URL.Path == "/api/v1/repos/team/delivery/pulls/9":
			gets++
			http.Error(w, `{"message":"not found"}`, http.StatusNotFound)
		default:
			_, _ = io.WriteString(w, "[]")
		}
	}))
	defer srv.Close()
	c, err := forge.New(forge.Options{Kind: forge.Gitea, API: srv.URL + "/api/v1", Repo: "team/delivery", TokenFile: tok, Retries: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := c.Open(context.Background(), forge.Request{Head: "ferry/proposals/production/carts", Base: "stage/production", Title: "t"})
	if err != nil || pr.Number != 4 {
		t.Fatalf("Open = %+v, %v", pr, err)
	}
	if _, err := c.Get(context.Background(), 9); err == nil || gets != 1 {
		t.Errorf("Get(9) = %v after %d requests, want one failed request", err, gets)
	}
}
