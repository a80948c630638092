package reconciler_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrycd/ferry/reconciler"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

// signal posts a fixture (with {{SHA}} replaced) to an agent endpoint.
// auth modes of a signal.
const (
	noAuth = iota
	hmacAuth
	tokenAuth
)

func (w *world) signal(h http.Handler, path, fixture, sha string, auth int) int {
	w.t.Helper()
	return w.signalFile(h, path, filepath.Join("testdata", "signals", fixture), sha, auth)
}

// signalFile posts a file (with {{SHA}} replaced) to an agent endpoint.
func (w *world) signalFile(h http.Handler, path, file, sha string, auth int) int {
	w.t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		w.t.Fatal(err)
	}
	body := bytes.ReplaceAll(data, []byte("{{SHA}}"), []byte(sha))
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	switch auth {
	case hmacAuth:
		mac := hmac.New(sha256.New, []byte("agent-key"))
		mac.Write(body)
		req.Header.Set("X-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	case tokenAuth:
		req.Header.Set("Authorization", "Bearer agent-key")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func signalHandler(w *world) http.Handler {
	return ingress.Handler(reconciler.NewLoop(w.rec, time.Hour), ingress.ServerOptions{SignalSecret: "agent-key"})
}

func TestFluxSignalsDeployedAndFailedHealth(t *testing.T) {
	w := newWorld(t, "reports.txtar")
	h := signalHandler(w)
	w.settle(time.Minute)
	dev := w.git("rev-parse", "stage/dev")
	if code := w.signal(h, "/hooks/flux", "flux-progressing.json", dev, hmacAuth); code != http.StatusOK {
		t.Errorf("progressing event: %d, want 200 (ignored)", code)
	}
	if code := w.signal(h, "/hooks/flux", "flux-succeeded.json", dev, noAuth); code != http.StatusUnauthorized {
		t.Errorf("flux event without signature or token: %d", code)
	}
	// A signed event for the dev tip: the deployment is applied.
	if code := w.signal(h, "/hooks/flux", "flux-succeeded.json", dev, hmacAuth); code != http.StatusAccepted {
		t.Fatalf("flux event: %d", code)
	}
	w.settle(time.Minute)
	runs := w.git("show", "ferry/status:runs/dev/carts.yaml")
	if !strings.Contains(runs, "waiting: test") {
		t.Fatalf("the flux event did not complete the deployment:\n%s", runs)
	}
	if note := w.git("notes", "--ref=ferry", "show", dev); !strings.Contains(note, "applied flux Kustomization flux-system/sockshop-dev: ReconciliationSucceeded") {
		t.Errorf("the signal is not noted on the stage commit:\n%s", note)
	}
	id := w.runID("dev")
	w.report(status.Report{Kind: status.ReportTest, Run: id, Result: "pass"})
	w.report(status.Report{Kind: status.ReportTask, Run: id, Task: "notify", Result: "pass"})
	w.settle(time.Minute)
	staging := w.git("rev-parse", "stage/staging")
	if code := w.signal(h, "/hooks/flux", "flux-healthcheck-failed.json", staging, hmacAuth); code != http.StatusAccepted {
		t.Fatalf("failed health event: %d", code)
	}
	w.settle(time.Minute)
	runs = w.git("show", "ferry/status:runs/staging/carts.yaml")
	if !strings.Contains(runs, "result: fail") || !strings.Contains(runs, "HealthCheckFailed") {
		t.Errorf("a failed health check did not fail the run:\n%s", runs)
	}
}

func TestArgoCDSignals(t *testing.T) {
	w := newWorld(t, "reports.txtar")
	h := signalHandler(w)
	w.settle(time.Minute)
	// The agent applied the tip, which carries carts' deployment commit.
	dev := w.git("rev-parse", "stage/dev")
	if code := w.signal(h, "/hooks/argocd", "argocd-synced.json", dev, tokenAuth); code != http.StatusAccepted {
		t.Fatalf("argo cd notification: %d", code)
	}
	w.settle(time.Minute)
	if runs := w.git("show", "ferry/status:runs/dev/carts.yaml"); !strings.Contains(runs, "waiting: test") {
		t.Fatalf("the argo cd notification did not complete the deployment:\n%s", runs)
	}
	id := w.runID("dev")
	w.report(status.Report{Kind: status.ReportTest, Run: id, Result: "pass"})
	w.report(status.Report{Kind: status.ReportTask, Run: id, Task: "notify", Result: "pass"})
	w.settle(time.Minute)
	if code := w.signal(h, "/hooks/argocd", "argocd-degraded.json", w.git("rev-parse", "stage/staging"), tokenAuth); code != http.StatusAccepted {
		t.Fatalf("degraded notification: %d", code)
	}
	w.settle(time.Minute)
	if runs := w.git("show", "ferry/status:runs/staging/carts.yaml"); !strings.Contains(runs, "result: fail") || !strings.Contains(runs, "Degraded") {
		t.Errorf("a degraded application did not fail the run:\n%s", runs)
	}
}

// A Kustomization's "Health check passed" (reason Progressing, as
// kustomize-controller sends it) deploys its revision; the same event again,
// or the next "Reconciliation finished", writes nothing: no report, no
// note, nothing pushed by the pass it triggers.
func TestRepeatedFluxEventsWriteNothing(t *testing.T) {
	w := newWorld(t, "reports.txtar")
	h := signalHandler(w)
	w.settle(time.Minute)
	dev := w.git("rev-parse", "stage/dev")
	passed := filepath.Join("ingress", "testdata", "flux", "kustomization-health-check-passed.json")
	if code := w.signalFile(h, "/hooks/flux", passed, dev, hmacAuth); code != http.StatusAccepted {
		t.Fatalf("health check passed: %d", code)
	}
	w.settle(time.Minute)
	if runs := w.git("show", "ferry/status:runs/dev/carts.yaml"); !strings.Contains(runs, "waiting: test") {
		t.Fatalf("a passed health check did not complete the deployment:\n%s", runs)
	}
	if note := w.git("notes", "--ref=ferry", "show", dev); !strings.Contains(note, "applied flux Kustomization flux-system/sockshop-dev: Progressing: Health check passed") {
		t.Errorf("the signal is not noted on the stage commit:\n%s", note)
	}
	refs := w.git("for-each-ref", "--format=%(refname) %(objectname)")
	for _, again := range []string{passed, filepath.Join("ingress", "testdata", "flux", "kustomization-reconciliation-finished.json")} {
		if code := w.signalFile(h, "/hooks/flux", again, dev, hmacAuth); code != http.StatusAccepted {
			t.Fatalf("%s again: %d", filepath.Base(again), code)
		}
		res, err := w.rec.Pass(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Pushed {
			t.Errorf("after %s again, the pass pushed", filepath.Base(again))
		}
		if now := w.git("for-each-ref", "--format=%(refname) %(objectname)"); now != refs {
			t.Errorf("after %s again, refs moved:\n%s\nwas:\n%s", filepath.Base(again), now, refs)
		}
	}
}
