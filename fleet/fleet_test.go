package fleet_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferrycd/ferry/fleet"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler/ingress"
)

// One process delivers two projects: each from its own repository, each
// woken by webhooks at its own path, neither touching the other.
func TestFleetDeliversEachProjectAtItsOwnPath(t *testing.T) {
	prom := e2e.HealthyPrometheus(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	repos := map[string]string{}
	var config strings.Builder
	for _, name := range []string{"shop", "payments"} {
		repos[name] = gittest.InitBare(t)
		gittest.CommitTxtar(t, repos[name], "main", "../cmd/ferry/testdata/fast.txtar")
		_, url := gittest.NewHTTPServer(t, repos[name], nil)
		config.WriteString("---\napiVersion: delivery.ferrycd.io/v1alpha1\nkind: Project\nmetadata: {name: " + name + "}\n" +
			"spec:\n  repository: {url: '" + url + "'}\n  interval: 1s\n  prometheus: {url: '" + prom.URL + "'}\n")
	}
	projects, diags := fleet.LoadConfig("projects.yaml", []byte(config.String()))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	reg := prometheus.NewRegistry()
	f := fleet.New(ctx, fleet.Options{
		StateDir: t.TempDir(), SecretsDir: t.TempDir(), Registerer: reg, Log: testr.New(t),
		Server: ingress.ServerOptions{WebhookSecret: "h00k"},
	})
	srv := httptest.NewServer(f.Handler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	defer srv.Close()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, projects) }()

	for name, bare := range repos {
		e2e.WaitFor(t, 60*time.Second, name+"'s carts 0.11.1 in production", func() bool { return e2e.StageImage(bare, "production") == "carts:0.11.1" })
	}
	paymentsMain := gittest.Git(t, repos["payments"], "rev-parse", "main")
	gittest.CommitFiles(t, repos["shop"], "main", "bump carts", gittest.Files{"services/carts/pin.yaml": gittest.Text("image: carts:0.11.2\n")})
	body := []byte(`{"ref":"refs/heads/main"}`)
	if code := post(t, srv.URL+"/hooks/git/default/shop", body, "h00k"); code != http.StatusAccepted {
		t.Errorf("webhook of shop: %d", code)
	}
	if code := post(t, srv.URL+"/hooks/git/default/billing", body, "h00k"); code != http.StatusNotFound {
		t.Errorf("webhook of a project that is not there: %d", code)
	}
	if code := post(t, srv.URL+"/hooks/git/default/payments", body, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("badly signed webhook of payments: %d", code)
	}
	e2e.WaitFor(t, 60*time.Second, "shop's carts 0.11.2 in production", func() bool { return e2e.StageImage(repos["shop"], "production") == "carts:0.11.2" })
	if img := e2e.StageImage(repos["payments"], "production"); img != "carts:0.11.1" || gittest.Git(t, repos["payments"], "rev-parse", "main") != paymentsMain {
		t.Errorf("payments moved with shop: production runs %s", img)
	}
	for path, want := range map[string]string{"/readyz": "default/payments: ok\ndefault/shop: ok\n", "/metrics": `project="default/shop"`} {
		if got := get(t, srv.URL+path); !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%.400s", path, want, got)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Run did not end with its context")
	}
}

// post sends a push webhook signed as GitHub signs.
func post(tb testing.TB, url string, body []byte, secret string) int {
	tb.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func get(tb testing.TB, url string) string {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
