package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/goleak"

	"github.com/ferrycd/ferry/dashboard"
	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/internal/gittest"
)

// minimalStatus is a status.json naming carts in dev.
const minimalStatus = `{"formatVersion": 2, "updated": "2026-11-30T12:00:00Z", "main": "1111111111111111111111111111111111111111",
 "conditions": [], "stages": [{"name": "dev", "services": [{"name": "carts", "deployed": null, "inFlight": null, "queued": 0, "last": null}]}]}
`

// smallRepo is a bare repository whose ferry/status holds files, and
// whose stage/dev has one transition of orders (a service status.json
// does not name).
func smallRepo(tb testing.TB, files gittest.Files) string {
	tb.Helper()
	dir := gittest.InitBare(tb)
	gittest.CommitFiles(tb, dir, "main", "shipyard", gittest.Files{"shipyard.yaml": gittest.Text("kind: Shipyard\n")})
	gittest.CommitFiles(tb, dir, "stage/dev", "deploy orders to dev\n\nFerry-Service: orders\nFerry-Stage: dev\nFerry-Task: deployment\n",
		gittest.Files{"orders.txt": gittest.Text("v1\n")})
	if files != nil {
		gittest.CommitFiles(tb, dir, "ferry/status", "status", files)
	}
	return dir
}

type codeCase struct {
	path string
	code int
	want string
}

func checkCodes(t *testing.T, f *fixture, cases []codeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			code, body := get(t, f.url(tc.path))
			if code != tc.code || !strings.Contains(string(body), tc.want) {
				t.Errorf("GET %s: %d, want %d with %q:\n%s", tc.path, code, tc.code, tc.want, body)
			}
		})
	}
}

// TestReadsAreBounded checks the limits on what one anonymous request
// reads: the history's limit and the evaluation lookup by record ID.
func TestReadsAreBounded(t *testing.T) {
	files := gittest.Files{"status.json": gittest.Text(minimalStatus)}
	for i := range 150 {
		svc := fmt.Sprintf("svc-%03d", i)
		files["ledger/dev/"+svc+"/20261130T120000.000Z-r"+fmt.Sprint(i)+".json"] = gittest.Text(`{"version": 1, "id": "` + svc + `"}` + "\n")
	}
	f := newFixture(t, smallRepo(t, files))
	const base = "/api/v1/projects/shop/sockshop"
	checkCodes(t, f, []codeCase{
		{base + "/services/orders/history?limit=1000", http.StatusOK, `"stage": "dev"`},
		{base + "/services/orders/history?stage=dev", http.StatusOK, `"stage": "dev"`},
		{base + "/services/orders/history?stage=nope", http.StatusNotFound, `"error": "stage \"nope\": shop/sockshop has no branch of it"`},
		{base + "/services/orders/history?limit=1001", http.StatusBadRequest, `"error": "limit 1001: at most 1000"`},
		{base + "/evaluations/20261130T120000.000Z-r0", http.StatusOK, `"id": "svc-000"`},
		{base + "/evaluations/20261130T120000.000Z-r149", http.StatusBadRequest, "give ?stage= and ?service="},
		{base + "/evaluations/20261130T120000.000Z-r149?stage=dev&service=svc-149", http.StatusOK, `"id": "svc-149"`},
		{base + "/evaluations/20261130T120000.000Z-r148?stage=dev&service=svc-149", http.StatusNotFound, "not found"},
		{base + "/evaluations/20261130T120000.000Z-r149?stage=dev", http.StatusBadRequest, "want both"},
		{base + "/evaluations/20261130T120000.000Z-r149?stage=..&service=svc-149", http.StatusBadRequest, "want both"},
	})
}

// TestStatusCodes checks that only what Git does not hold answers 404.
func TestStatusCodes(t *testing.T) {
	t.Run("corrupt state", func(t *testing.T) {
		f := newFixture(t, smallRepo(t, gittest.Files{
			"status.json": gittest.Text(minimalStatus), "state.yaml": gittest.Text("nextRun: [\n"),
		}))
		checkCodes(t, f, []codeCase{
			{"/projects/shop/sockshop", http.StatusInternalServerError, "state.yaml"},
			{"/projects/shop/sockshop/problems", http.StatusInternalServerError, "state.yaml"},
			{"/api/v1/projects/shop/sockshop/problems", http.StatusInternalServerError, "state.yaml"},
		})
	})
	t.Run("services", func(t *testing.T) {
		f := newFixture(t, smallRepo(t, gittest.Files{"status.json": gittest.Text(minimalStatus)}))
		checkCodes(t, f, []codeCase{
			{"/projects/shop/sockshop", http.StatusOK, `data-service="carts"`},
			{"/projects/shop/sockshop/services/carts", http.StatusOK, "No transition recorded for this service."},
			{"/projects/shop/sockshop/services/orders", http.StatusOK, "deploy orders to dev"},
			{"/projects/shop/sockshop/services/nope", http.StatusNotFound, "No service nope in shop/sockshop"},
			// Addresses typed with a trailing slash lead to the page.
			{"/projects/shop/sockshop/", http.StatusOK, `data-service="carts"`},
			{"/projects/shop/sockshop/services/orders/", http.StatusOK, "deploy orders to dev"},
		})
	})
	t.Run("before the first pass", func(t *testing.T) {
		f := newFixture(t, smallRepo(t, nil))
		checkCodes(t, f, []codeCase{
			{"/projects/shop/sockshop", http.StatusNotFound, `data-live="/events?project=shop/sockshop"`},
			{"/projects/shop/sockshop", http.StatusNotFound, "No status yet: no ferry/status branch yet"},
			{"/projects/shop/sockshop?fragment=1", http.StatusNotFound, `id="no-status"`},
			{"/projects/shop/sockshop/services/orders", http.StatusOK, "deploy orders to dev"},
			{"/projects/shop/sockshop/services/carts", http.StatusNotFound, "No service carts in shop/sockshop"},
		})
	})
}

// TestEventsWhenProjectsComeAndGo follows /events as the projects list
// does: a project shown for the first time, then no longer shown, is a
// change.
func TestEventsWhenProjectsComeAndGo(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	open := func(name string) dashboard.Project {
		s, err := gitstore.Open(gitstore.Options{URL: smallRepo(t, gittest.Files{"status.json": gittest.Text(minimalStatus)}), Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		if _, err := s.Fetch(context.Background()); err != nil {
			t.Fatal(err)
		}
		return dashboard.Project{Namespace: "shop", Name: name, Store: s}
	}
	a, b := open("a"), open("b")
	var mu sync.Mutex
	shown := []dashboard.Project{a}
	show := func(ps ...dashboard.Project) {
		mu.Lock()
		defer mu.Unlock()
		shown = ps
	}
	d := dashboard.New(dashboard.Options{
		Projects: func() []dashboard.Project {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(shown)
		},
		Refresh: 50 * time.Millisecond, Log: logr.Discard(),
	})
	hs := httptest.NewServer(d)
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := stream(t, ctx, hs.URL+"/events")
	next := func() dashboard.Change {
		t.Helper()
		select {
		case data := <-events:
			var c dashboard.Change
			if err := json.Unmarshal([]byte(data), &c); err != nil {
				t.Fatalf("event data %s: %v", data, err)
			}
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("no event")
			return dashboard.Change{}
		}
	}
	show(a, b)
	if c := next(); c.Project != "shop/b" || c.Refs == "" {
		t.Errorf("after shop/b appeared: %+v, want a change of shop/b with its refs", c)
	}
	show(a)
	if c := next(); c.Project != "shop/b" || c.Refs != "" {
		t.Errorf("after shop/b went away: %+v, want a change of shop/b without refs", c)
	}
	cancel()
	for range events {
	}
}
