package browsertest_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ferrycd/ferry/internal/browsertest"
)

const page = `<!doctype html><html lang="en"><head><title>t</title></head>
<body><main><h1>hello</h1><img src="/dot.svg" alt="dot"></main></body></html>`

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(page)) })
	mux.HandleFunc("/dot.svg", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestStartRecordsRequests(t *testing.T) {
	srv := server(t)
	ctx := browsertest.Start(t)
	reqs, err := browsertest.Record(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(reqs.URLs(), " ")
	for _, want := range []string{srv.URL + "/", srv.URL + "/dot.svg"} {
		if !strings.Contains(got, want) {
			t.Errorf("requests %q lack %s", got, want)
		}
	}
}

func TestScreenshotStartsItsOwnBrowser(t *testing.T) {
	browsertest.Require(t)
	srv := server(t)
	file := filepath.Join(t.TempDir(), "page.png")
	if err := browsertest.Screenshot(context.Background(), srv.URL+"/", file); err != nil {
		t.Fatal(err)
	}
	if png, err := os.ReadFile(file); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG: %v", file, err)
	}
}
