package dashboard_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/ferrycd/ferry/evaluator"
)

// doc is a parsed page.
type doc struct{ root *html.Node }

func parse(tb testing.TB, body []byte) doc {
	tb.Helper()
	n, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	return doc{n}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// all returns the elements below n that match.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && match(c) {
			out = append(out, c)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func has(key, val string) func(*html.Node) bool {
	return func(n *html.Node) bool { v, ok := attr(n, key); return ok && (val == "" || v == val) }
}

func tag(name string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == name }
}

// boardCell is what a board cell shows of a service in a stage.
type boardCell struct {
	Stage, Version, Verdict string
}

// boardOf reads carts' row of the board: stage, version and verdict.
func boardOf(d doc, svc string) (stages []string, cells []boardCell) {
	for _, th := range all(d.root, func(n *html.Node) bool { return n.Data == "th" && has("data-stage", "")(n) }) {
		v, _ := attr(th, "data-stage")
		stages = append(stages, v)
	}
	for _, row := range all(d.root, has("data-service", svc)) {
		for _, td := range all(row, func(n *html.Node) bool { return n.Data == "td" }) {
			c := boardCell{}
			c.Stage, _ = attr(td, "data-stage")
			if v := all(td, has("class", "version")); len(v) > 0 {
				c.Version = text(v[0])
			}
			if v := all(td, has("data-verdict", "")); len(v) > 0 {
				c.Verdict, _ = attr(v[0], "data-verdict")
			}
			cells = append(cells, c)
		}
	}
	return stages, cells
}

var wantCarts = []boardCell{
	{"dev", "image=docker.io/keptnexamples/carts:0.11.2", "pass"},
	{"staging", "image=docker.io/keptnexamples/carts:0.11.1", "pass"},
	{"production", "image=docker.io/keptnexamples/carts:0.11.1", ""},
}

func TestBoard(t *testing.T) {
	f := newFixture(t, storyRepo(t))
	code, body := get(t, f.url("/projects/shop/sockshop"))
	if code != http.StatusOK {
		t.Fatalf("GET board: %d\n%s", code, body)
	}
	d := parse(t, body)
	stages, cells := boardOf(d, "carts")
	if diff := cmp.Diff([]string{"dev", "staging", "production"}, stages); diff != "" {
		t.Errorf("board columns are not in shipyard order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCarts, cells); diff != "" {
		t.Errorf("carts across the stages (-want +got):\n%s", diff)
	}
	gates := all(d.root, has("data-gate", evaluator.ResultFail))
	if len(gates) != 1 {
		t.Errorf("the board shows %d failed last gates, want staging's", len(gates))
	}
	if !strings.Contains(string(body), "rolled back") {
		t.Error("the board does not say staging was rolled back")
	}
	// The stopped release is named by its version, with why it stopped.
	if len(gates) == 1 {
		if gate := text(gates[0].Parent); !strings.Contains(gate, "for image=docker.io/keptnexamples/carts:0.11.2") || !strings.Contains(gate, "fail") {
			t.Errorf("staging's last gate does not name the release it stopped and why: %q", gate)
		}
	}
	links := all(d.root, func(n *html.Node) bool {
		h, _ := attr(n, "href")
		return n.Data == "a" && strings.HasPrefix(h, "https://forge.example/shop/sockshop/commit/")
	})
	if len(links) == 0 {
		t.Error("no deployed version links to its commit on the forge")
	}
	if n := len(all(d.root, has("href", "/projects/shop/sockshop/services/carts"))); n == 0 {
		t.Error("carts does not link to its page")
	}
}

func TestBoardLinksPendingApproval(t *testing.T) {
	repo := storyRepo(t)
	proposeProduction(t, repo, "image=docker.io/keptnexamples/carts:0.11.3")
	f := newFixture(t, repo)
	_, body := get(t, f.url("/projects/shop/sockshop"))
	d := parse(t, body)
	pulls := all(d.root, has("class", "pull"))
	if len(pulls) != 1 {
		t.Fatalf("%d pull request links, want 1:\n%s", len(pulls), body)
	}
	if href, _ := attr(pulls[0], "href"); href != "https://forge.example/shop/sockshop/pull/7" {
		t.Errorf("pull request link %q, want pull 7 on the forge", href)
	}
	if !strings.Contains(text(d.root), "Waits for approval") || !strings.Contains(text(d.root), "To unblock: merge ferry/proposals/production/carts into stage/production") {
		t.Errorf("the board does not say what production waits for and how to unblock it:\n%s", text(d.root))
	}
}

// ledgerCount is the number of evaluation records of a stage, as git lists
// them.
func ledgerCount(tb testing.TB, repo, stage, svc string) int {
	tb.Helper()
	out := strings.TrimSpace(git(tb, repo, "ls-tree", "--name-only", "ferry/status:ledger/"+stage+"/"+svc+"/"))
	if out == "" {
		return 0
	}
	return len(strings.Split(out, "\n"))
}

func TestServicePage(t *testing.T) {
	f := newFixture(t, storyRepo(t))
	code, body := get(t, f.url("/projects/shop/sockshop/services/carts"))
	if code != http.StatusOK {
		t.Fatalf("GET service: %d\n%s", code, body)
	}
	d := parse(t, body)
	for _, tc := range []struct{ stage, id string }{
		{"dev", "chart-dev-score"},
		{"dev", "chart-dev-error-rate"},
		{"staging", "chart-staging-score"},
		{"staging", "chart-staging-response-time-p95"},
		{"production", "chart-production-score"},
	} {
		want := ledgerCount(t, f.repo, tc.stage, "carts")
		if want == 0 {
			t.Fatalf("the story recorded no evaluation of carts in %s", tc.stage)
		}
		figs := all(d.root, has("id", tc.id))
		if len(figs) != 1 {
			t.Errorf("no chart %s", tc.id)
			continue
		}
		rows := all(figs[0], func(n *html.Node) bool {
			return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody"
		})
		if len(rows) != want {
			t.Errorf("chart %s has %d rows, want one per recorded evaluation (%d)", tc.id, len(rows), want)
		}
	}
	// The staging chart of response time draws the pass and warning
	// thresholds of the SLO.
	fig := all(d.root, has("id", "chart-staging-response-time-p95"))
	if len(fig) == 1 {
		heads := text(all(fig[0], tag("thead"))[0])
		for _, want := range []string{"value", "pass <600", "warning <=800"} {
			if !strings.Contains(heads, want) {
				t.Errorf("staging's response time table has columns %q, lacks %q", heads, want)
			}
		}
	}
	if n := len(all(d.root, has("type", "application/json"))); n != 1 {
		t.Errorf("%d chart data blocks, want 1", n)
	}
	records := all(d.root, has("class", "record"))
	total := 0
	for _, stage := range []string{"dev", "staging", "production"} {
		total += ledgerCount(t, f.repo, stage, "carts")
	}
	if len(records) != total {
		t.Errorf("%d evaluation records on the page, want %d", len(records), total)
	}
	timeline := all(d.root, has("id", "timeline"))
	if len(timeline) != 1 {
		t.Fatal("no timeline")
	}
	rows := all(timeline[0], func(n *html.Node) bool { return n.Data == "tr" && n.Parent != nil && n.Parent.Data == "tbody" })
	if main := strings.TrimSpace(git(t, f.repo, "rev-parse", "--short=7", "main")); len(rows) != 2 || !strings.HasPrefix(text(rows[0]), main) {
		t.Errorf("the timeline has %d candidates, want 2, the last to enter (main, %s) first", len(rows), main)
	}
	commits := serviceCommits(t, f.repo, "carts")
	for _, sha := range commits {
		if len(all(timeline[0], has("href", "https://forge.example/shop/sockshop/commit/"+sha))) == 0 {
			t.Errorf("the timeline does not link transition %s to its commit", sha)
		}
	}
}

func TestPagesAreSmallAndSelfContained(t *testing.T) {
	f := newFixture(t, storyRepo(t))
	for _, path := range []string{"/", "/projects/shop/sockshop", "/projects/shop/sockshop/problems", "/projects/shop/sockshop/services/carts"} {
		code, body := get(t, f.url(path))
		if code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
			continue
		}
		d := parse(t, body)
		size := len(body)
		for _, n := range all(d.root, func(n *html.Node) bool { return n.Data == "script" || n.Data == "link" }) {
			src, ok := attr(n, "src")
			if !ok {
				src, ok = attr(n, "href")
			}
			if !ok {
				continue
			}
			if !strings.HasPrefix(src, "/assets/") {
				t.Errorf("%s loads %s from elsewhere", path, src)
				continue
			}
			code, asset := get(t, f.url(src))
			if code != http.StatusOK {
				t.Errorf("%s: asset %s: %d", path, src, code)
			}
			size += len(asset)
		}
		t.Logf("%s: %d bytes with its assets", path, size)
		if path == "/" && size > 200_000 {
			t.Errorf("the first page weighs %d bytes with its assets, want < 200 KB", size)
		}
		if path == "/projects/shop/sockshop/problems" {
			if !strings.Contains(text(d.root), "scaling") {
				t.Error("the problems page does not list the scaling action")
			}
			if n := len(all(d.root, has("class", "record"))); n != 1 {
				t.Errorf("the problems page shows %d evaluation records, want the scaling action's", n)
			}
		}
	}
	code, body := get(t, f.url("/projects/shop/sockshop?fragment=1"))
	if code != http.StatusOK || bytes.Contains(body, []byte("<html")) || !bytes.Contains(body, []byte(`id="board"`)) {
		t.Errorf("the board's fragment: %d, want the board without the layout:\n%s", code, body)
	}
	if code, _ := get(t, f.url("/projects/shop/nope")); code != http.StatusNotFound {
		t.Errorf("unknown project: %d, want 404", code)
	}
}
