package dashboard_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/internal/browsertest"
)

// cartsCells reads carts' row of the board in the browser.
const cartsCells = `[...document.querySelectorAll('tr[data-service="carts"] td')].map(td => ({
	Stage: td.dataset.stage,
	Version: (td.querySelector('.version') || {textContent: ""}).textContent.trim(),
	Verdict: (td.querySelector('[data-verdict]') || {dataset: {}}).dataset.verdict || ""}))`

// offOrigin returns the requests that left the server's origin.
func offOrigin(reqs *browsertest.Requests, origin string) []string {
	var out []string
	for _, u := range reqs.URLs() {
		if !strings.HasPrefix(u, origin+"/") && u != origin {
			out = append(out, u)
		}
	}
	return out
}

// screenshotDir is where the browser tests keep their screenshots:
// $FERRY_SCREENSHOTS, else the test's temporary directory.
func screenshotDir(tb testing.TB) string {
	if d := os.Getenv("FERRY_SCREENSHOTS"); d != "" {
		return d
	}
	return tb.TempDir()
}

// openBoard plays the story, opens its board in a browser that records
// every request, and returns the fixture, the browser, a context of a
// minute in it, and the recorder. More actions run once the board shows.
func openBoard(t *testing.T, then ...chromedp.Action[chromedp.Void]) (*fixture, context.Context, context.Context, *browsertest.Requests) {
	t.Helper()
	f := newFixture(t, storyRepo(t))
	bctx := browsertest.Start(t)
	reqs, err := browsertest.Record(bctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, time.Minute)
	t.Cleanup(cancel)
	actions := append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(f.url("/projects/shop/sockshop")),
		chromedp.WaitVisible(chromedp.CSS("#board")),
	}, then...)
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
	return f, bctx, ctx, reqs
}

func TestBrowserBoardTimelineAndCharts(t *testing.T) {
	f, bctx, ctx, reqs := openBoard(t)
	stages := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#board thead th[data-stage]')].map(th => th.dataset.stage)`))
	if diff := cmp.Diff([]string{"dev", "staging", "production"}, stages); diff != "" {
		t.Errorf("board columns are not in shipyard order (-want +got):\n%s", diff)
	}
	cells := run(t, ctx, chromedp.Evaluate[[]boardCell](cartsCells))
	if diff := cmp.Diff(wantCarts, cells); diff != "" {
		t.Errorf("carts across the stages (-want +got):\n%s", diff)
	}

	// The keyboard reaches the skip link first.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	if focused := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); focused != "Skip to content" {
		t.Errorf("the first Tab focuses %q, want the skip link", focused)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr[data-service="carts"] th a`)),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	); err != nil {
		t.Fatal(err)
	}
	if loc := run(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/projects/shop/sockshop/services/carts") {
		t.Errorf("clicking carts opened %s", loc)
	}
	for _, tc := range []struct{ stage, id string }{
		{"staging", "chart-staging-response-time-p95"},
		{"staging", "chart-staging-score"},
		{"dev", "chart-dev-score"},
	} {
		sel := `[data-chart="` + tc.id + `"][data-points]`
		if err := chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
			t.Fatalf("chart %s not drawn: %v", tc.id, err)
		}
		points := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').dataset.points`))
		if want := ledgerCount(t, f.repo, tc.stage, "carts"); points != strconv.Itoa(want) {
			t.Errorf("chart %s draws %s points, want one per recorded evaluation (%d)", tc.id, points, want)
		}
		if !run(t, ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-chart="`+tc.id+`"] canvas')`)) {
			t.Errorf("chart %s has no canvas", tc.id)
		}
	}

	file := filepath.Join(screenshotDir(t), "dashboard-service.png")
	if err := browsertest.Screenshot(bctx, f.url("/projects/shop/sockshop/services/carts"), file); err != nil {
		t.Fatal(err)
	}
	if png, err := os.ReadFile(file); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("screenshot %s is not a PNG: %v", file, err)
	}
	if err := browsertest.Screenshot(bctx, f.url("/projects/shop/sockshop"), filepath.Join(screenshotDir(t), "dashboard-board.png")); err != nil {
		t.Fatal(err)
	}
	if off := offOrigin(reqs, f.srv.URL); len(off) > 0 {
		t.Errorf("requests left the server's origin: %q", off)
	}
	if len(reqs.URLs()) == 0 {
		t.Error("no request recorded: the recorder does not work")
	}
}

func TestBrowserLiveUpdate(t *testing.T) {
	f, _, ctx, reqs := openBoard(t,
		chromedp.Evaluate[chromedp.Void](`window.ferryMarker = 42`),
		chromedp.Poll[chromedp.Void](`document.getElementById('live-state').textContent === 'Live'`),
	)
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('a.pull').length`)); n != 0 {
		t.Fatalf("%d pull request links before the proposal", n)
	}

	// A keyboard user on carts' link stays there through the update.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(`tr[data-service="carts"] th a`))); err != nil {
		t.Fatal(err)
	}

	proposeProduction(t, f.repo, "image=docker.io/keptnexamples/carts:0.11.3")

	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("a.pull"))); err != nil {
		t.Fatalf("the board did not show the proposal: %v", err)
	}
	if focused := run(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent`)); focused != "carts" {
		t.Errorf("after the update the focus is on %q, want carts' link as before", focused)
	}
	href := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('a.pull').href`))
	if href != "https://forge.example/shop/sockshop/pull/7" {
		t.Errorf("pull request link %q, want pull 7", href)
	}
	if marker := run(t, ctx, chromedp.Evaluate[int](`window.ferryMarker || 0`)); marker != 42 {
		t.Error("the page was reloaded; want the board replaced in place")
	}
	prod := run(t, ctx, chromedp.Evaluate[string](`document.querySelector('tr[data-service="carts"] td[data-stage="production"]').textContent`))
	if !strings.Contains(prod, "Waits for approval") {
		t.Errorf("production's cell after the update: %q, want it waiting for approval", prod)
	}
	if off := offOrigin(reqs, f.srv.URL); len(off) > 0 {
		t.Errorf("requests left the server's origin: %q", off)
	}
	png := run(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(screenshotDir(t), "dashboard-board-approval.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs a browser action and returns its value; an error ends the test.
func run[T any](tb testing.TB, ctx context.Context, a chromedp.Action[T]) T {
	tb.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
