package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Candidates are the browser executables Path looks for, in order; the
// environment variable CHROMIUM names another.
var Candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"}

// ErrNoBrowser is returned when no Chromium is installed.
var ErrNoBrowser = errors.New("no chromium found (set CHROMIUM to its path)")

// Path returns the Chromium to run.
func Path() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// Open starts a headless Chromium with a fresh profile in a temporary
// directory and returns a context for chromedp actions; cancel stops the
// browser and removes the profile.
func Open(ctx context.Context) (context.Context, context.CancelFunc, error) {
	exe, err := Path()
	if err != nil {
		return nil, nil, err
	}
	profile, err := os.MkdirTemp("", "ferry-chromium-")
	if err != nil {
		return nil, nil, fmt.Errorf("create browser profile: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	cancel := func() {
		cancelBrowser()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}
	if err := chromedp.Do(bctx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("start %s: %w", exe, err)
	}
	return bctx, cancel, nil
}

// Start returns a browser context for a test, stopped at its end. Without
// a Chromium the test is skipped, unless the environment variable CI is set:
// then it fails.
func Start(tb testing.TB) context.Context {
	tb.Helper()
	Require(tb)
	ctx, cancel, err := Open(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cancel)
	return ctx
}

// Require skips the test when no Chromium is installed, or fails it when
// the environment variable CI is set.
func Require(tb testing.TB) {
	tb.Helper()
	if _, err := Path(); err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("browser tests need chromium in CI: %v", err)
		}
		tb.Skipf("skipping browser test: %v", err)
	}
}

// Requests records the URL of every request the pages of a browser context
// make, from the moment Record is called.
type Requests struct {
	mu   sync.Mutex
	urls []string
}

// Record starts recording the requests of ctx's pages.
func Record(ctx context.Context) (*Requests, error) {
	r := &Requests{}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			r.mu.Lock()
			r.urls = append(r.urls, e.Request.URL)
			r.mu.Unlock()
		}
	})
	if err != nil {
		return nil, fmt.Errorf("listen to requests: %w", err)
	}
	return r, nil
}

// URLs returns the URLs requested so far.
func (r *Requests) URLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

// Screenshot loads url in the browser of ctx, waits for its <main> and
// writes a PNG of the whole page to file. When ctx holds no browser (it
// does not come from Start or Open), one is started for the screenshot.
func Screenshot(ctx context.Context, url, file string) error {
	if chromedp.FromContext(ctx) == nil {
		bctx, stop, err := Open(ctx)
		if err != nil {
			return fmt.Errorf("screenshot %s: %w", url, err)
		}
		defer stop()
		ctx = bctx
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("main")),
		chromedp.Sleep(300*time.Millisecond), // charts draw after load
	)
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", url, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", url, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return fmt.Errorf("write screenshot: %w", err)
	}
	return nil
}
