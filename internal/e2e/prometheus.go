package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Binary returns the path of a server binary, skipping the test when it is
// not installed (failing it under CI).
func Binary(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not installed; .ci/run installs it", name)
		}
		tb.Skipf("%s is not installed (apt-get install %s)", name, name)
	}
	return p
}

// FreeAddr returns a free loopback address.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	URL string
	cmd *exec.Cmd
	log *bytes.Buffer
}

// StartPrometheus starts Prometheus with the given configuration (and
// extra files, such as rule files, written beside it) and waits until it
// is ready. It is stopped when the test ends.
func StartPrometheus(tb testing.TB, config string, files map[string]string, extraArgs ...string) *Prometheus {
	tb.Helper()
	return StartPrometheusAt(tb, FreeAddr(tb), config, files, extraArgs...)
}

// StartPrometheusAt is [StartPrometheus] listening on addr.
func StartPrometheusAt(tb testing.TB, addr, config string, files map[string]string, extraArgs ...string) *Prometheus {
	tb.Helper()
	bin := Binary(tb, "prometheus")
	dir := tb.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		tb.Fatal(err)
	}
	args := append([]string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--web.enable-lifecycle",
	}, extraArgs...)
	p := &Prometheus{URL: "http://" + addr, log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if tb.Failed() {
			tb.Logf("prometheus log:\n%s", p.log.String())
		}
	})
	WaitHTTP(tb, p.URL+"/-/ready", 30*time.Second)
	return p
}

// WaitHTTP polls url until it answers 200 or the time is up.
func WaitHTTP(tb testing.TB, url string, within time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s did not become ready within %s: %v", url, within, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ScrapeConfig returns a prometheus.yml scraping targets every interval.
func ScrapeConfig(interval time.Duration, job string, targets ...string) string {
	var list bytes.Buffer
	for _, t := range targets {
		fmt.Fprintf(&list, "          - %q\n", t)
	}
	return fmt.Sprintf(`global:
  scrape_interval: %s
  evaluation_interval: %s
scrape_configs:
  - job_name: %q
    static_configs:
      - targets:
%s`, interval, interval, job, list.String())
}

// Alertmanager is a running Alertmanager.
type Alertmanager struct {
	URL string
}

// StartAlertmanager starts Debian's prometheus-alertmanager with config on
// a free loopback port, without clustering, and waits until it is ready.
func StartAlertmanager(tb testing.TB, config string) *Alertmanager {
	tb.Helper()
	bin := Binary(tb, "prometheus-alertmanager")
	dir := tb.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		tb.Fatal(err)
	}
	addr := FreeAddr(tb)
	log := &bytes.Buffer{}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if tb.Failed() {
			tb.Logf("alertmanager log:\n%s", log.String())
		}
	})
	am := &Alertmanager{URL: "http://" + addr}
	WaitHTTP(tb, am.URL+"/-/ready", 30*time.Second)
	return am
}
