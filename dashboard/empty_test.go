package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// TestProjectBeforeTheFirstPass serves a repository ferry has not run on
// yet (main only, no ferry/status): every page and route answers, and
// says why there is nothing to show.
func TestProjectBeforeTheFirstPass(t *testing.T) {
	dir := gittest.InitBare(t)
	gittest.CommitFiles(t, dir, "main", "shipyard", gittest.Files{"shipyard.yaml": gittest.Text("kind: Shipyard\n")})
	srv := gittest.NewInProcess(t, dir)
	s, err := gitstore.Open(gitstore.Options{URL: srv.URL, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Fetch(context.Background()); err != nil {
		t.Fatal(err)
	}
	conds := []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Progressing", Message: "cloning"}}
	d := dashboard.New(dashboard.Options{
		Projects: func() []dashboard.Project {
			return []dashboard.Project{{Namespace: "team", Name: "new", Store: s, Conditions: func() []metav1.Condition { return conds }}}
		},
		Log: logr.Discard(),
	})
	hs := httptest.NewServer(d)
	t.Cleanup(hs.Close)

	var projects []dashboard.ProjectInfo
	getJSON(t, hs.URL+"/api/v1/projects", &projects)
	want := []dashboard.ProjectInfo{{
		Namespace: "team", Name: "new", Status: "/api/v1/projects/team/new/status",
		Conditions: conds, Error: "no ferry/status branch yet: ferry has not run a pass",
	}}
	if diff := cmp.Diff(want, projects, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("projects (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/", http.StatusOK, "cloning"},
		{"/projects/team/new", http.StatusNotFound, "no ferry/status branch yet"},
		{"/projects/team/new/problems", http.StatusOK, "No problem recorded."},
		{"/projects/team/new/services/carts", http.StatusNotFound, "No service carts in team/new"},
		{"/api/v1/projects/team/new/status", http.StatusNotFound, `"error": "no ferry/status branch yet`},
		{"/api/v1/projects/team/new/problems", http.StatusOK, "[]"},
		{"/api/v1/projects/team/new/services/carts/history", http.StatusNotFound, "no such service"},
		{"/api/v1/projects/team/new/services/carts/history?stage=dev&limit=5", http.StatusNotFound, "no such service"},
		{"/api/v1/projects/team/new/services/carts/history?limit=x", http.StatusBadRequest, `"error": "limit \"x\": want a positive number"`},
		{"/api/v1/projects/team/new/evaluations/20260101T000000.000Z-r1", http.StatusNotFound, "not found"},
		{"/projects/other/x", http.StatusNotFound, "No project other/x."},
		{"/assets/uPlot.LICENSE", http.StatusOK, "MIT License"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, body := get(t, hs.URL+tc.path)
			if code != tc.code || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s: %d, want %d with %q:\n%s", tc.path, code, tc.code, tc.want, body)
			}
			if strings.HasPrefix(tc.path, "/api/") && !json.Valid(body) {
				t.Errorf("GET %s: not JSON:\n%s", tc.path, body)
			}
		})
	}
}

// TestCloseEndsEventStreams checks that Close ends the streams a graceful
// shutdown would otherwise wait for, and refuses new ones.
func TestCloseEndsEventStreams(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	d := dashboard.New(dashboard.Options{Log: logr.Discard()})
	hs := httptest.NewServer(d)
	t.Cleanup(hs.Close)
	events := stream(t, context.Background(), hs.URL+"/events")
	d.Close()
	select {
	case _, open := <-events:
		if open {
			t.Error("an event after Close")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end after Close")
	}
	if code, _ := get(t, hs.URL+"/events"); code != http.StatusServiceUnavailable {
		t.Errorf("GET /events after Close: %d, want 503", code)
	}
	if code, _ := get(t, hs.URL+"/"); code != http.StatusOK {
		t.Errorf("GET / after Close: %d, want 200", code)
	}
}
