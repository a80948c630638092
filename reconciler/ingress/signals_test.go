package ingress_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/Masterminds/sprig/v3"
	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/reconciler/ingress"
	"github.com/ferrycd/ferry/status"
)

// fixture reads a file of testdata with {{SHA}} replaced by sha.
func fixture(tb testing.TB, name, sha string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.ReplaceAll(data, []byte("{{SHA}}"), []byte(sha))
}

// recorded returns the reports on ferry/status, oldest first.
func (l *statusLoop) recorded(tb testing.TB) []status.Report {
	tb.Helper()
	var reps []status.Report
	for _, name := range l.reports(tb) {
		var r status.Report
		if err := json.Unmarshal([]byte(gittest.Git(tb, l.dir, "show", "refs/heads/ferry/status:"+name)), &r); err != nil {
			tb.Fatal(err)
		}
		reps = append(reps, r)
	}
	return reps
}

var ignoreReceived = cmpopts.IgnoreFields(status.Report{}, "Received", "File")

func deployed(stage, commit string, healthy bool, msg string) status.Report {
	return status.Report{Kind: status.ReportDeployed, Stage: stage, Commit: commit, Healthy: &healthy, Message: msg}
}

// fluxBody encodes an event as notification-controller's forwarder does
// (json.Marshal of the eventv1.Event).
func fluxBody(tb testing.TB, name, sha string) []byte {
	tb.Helper()
	var ev eventv1.Event
	if err := json.Unmarshal(fixture(tb, filepath.Join("flux", name), sha), &ev); err != nil {
		tb.Fatal(err)
	}
	body, err := json.Marshal(ev)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// Kustomization events count by what kustomize-controller means by them;
// HelmRelease events, whose revision is a chart version, are ignored.
func TestFluxEventsAsKustomizeControllerSendsThem(t *testing.T) {
	sha := strings.Repeat("3f", 20)
	tests := []struct {
		fixture string
		code    int
		want    []status.Report
	}{
		{"kustomization-applied.json", http.StatusOK, nil},
		{"kustomization-health-check-passed.json", http.StatusAccepted, []status.Report{
			deployed("dev", sha, true, "flux Kustomization flux-system/sockshop-dev: Progressing: Health check passed in 2.031s"),
		}},
		{"kustomization-reconciliation-finished.json", http.StatusAccepted, []status.Report{
			deployed("dev", sha, true, "flux Kustomization flux-system/sockshop-dev: ReconciliationSucceeded: Reconciliation finished in 3.402s, next run in 10m0s"),
		}},
		{"kustomization-health-check-failed.json", http.StatusAccepted, []status.Report{
			deployed("staging", sha, false, "flux Kustomization flux-system/sockshop-staging: HealthCheckFailed: health check failed after 30.012s: timeout waiting for: [Deployment/sockshop-staging/carts status: 'InProgress']"),
		}},
		{"helmrelease-upgrade-succeeded.json", http.StatusOK, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			l := newStatusLoop(t)
			srv := serve(t, l, ingress.ServerOptions{SignalSecret: "s1gnal"})
			body := fluxBody(t, tt.fixture, sha)
			code, msg := post(t, srv.URL+"/hooks/flux", body, map[string]string{"X-Signature": sign("s1gnal", body), "Gotk-Component": "kustomize-controller"})
			if code != tt.code {
				t.Fatalf("answered %d %q, want %d", code, msg, tt.code)
			}
			if diff := cmp.Diff(tt.want, l.recorded(t), ignoreReceived); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
			if strings.HasPrefix(tt.fixture, "helmrelease") && !strings.Contains(msg, "only Kustomizations signal") {
				t.Errorf("a HelmRelease event is ignored without saying why: %q", msg)
			}
		})
	}
}

// The generic-hmac key is the Secret's token trimmed (notification-controller
// 1.3 and later) or as stored (earlier); a secret file with a trailing
// newline verifies both, and nothing else.
func TestFluxSignatureWithTheSecretAsFluxReadsIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "signal-secret")
	if err := os.WriteFile(file, []byte("s1gnal\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l := newStatusLoop(t)
	srv := serve(t, l, ingress.ServerOptions{SignalSecretFile: file})
	body := fluxBody(t, "kustomization-health-check-passed.json", strings.Repeat("3f", 20))
	for _, tt := range []struct {
		key  string
		want int
	}{
		{"s1gnal", http.StatusAccepted},
		{"s1gnal\n", http.StatusAccepted},
		{"s1gnal" + " ", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
		{"other", http.StatusUnauthorized},
	} {
		if code, msg := post(t, srv.URL+"/hooks/flux", body, map[string]string{"X-Signature": sign(tt.key, body)}); code != tt.want {
			t.Errorf("signed with %q: %d %q, want %d", tt.key, code, msg, tt.want)
		}
	}
	// A secret of white space alone is no secret.
	if err := os.WriteFile(file, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _ := post(t, srv.URL+"/hooks/flux", body, map[string]string{"X-Signature": sign("\n", body)}); code != http.StatusUnauthorized {
		t.Errorf("a blank secret verified a signature: %d", code)
	}
}

// argoConfigMap returns the data of argocd-notifications-cm as
// docs/approvals-and-signals.md gives it.
func argoConfigMap(tb testing.TB) map[string]string {
	tb.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "approvals-and-signals.md"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, block := range strings.Split(string(doc), "```yaml\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if !strings.Contains(block, "name: argocd-notifications-cm") {
			continue
		}
		var cm struct {
			Data map[string]string `json:"data"`
		}
		if err := yaml.Unmarshal([]byte(block), &cm); err != nil {
			tb.Fatalf("read argocd-notifications-cm of the docs: %v", err)
		}
		return cm.Data
	}
	tb.Fatal("the docs have no argocd-notifications-cm")
	return nil
}

// argoTemplate parses the documented template's webhook body as Argo CD's
// notifications engine does: text/template with sprig's functions but env
// and expandenv.
func argoTemplate(tb testing.TB) *template.Template {
	tb.Helper()
	var tmpl struct {
		Webhook map[string]struct {
			Method string `json:"method"`
			Body   string `json:"body"`
		} `json:"webhook"`
	}
	if err := yaml.Unmarshal([]byte(argoConfigMap(tb)["template.ferry"]), &tmpl); err != nil {
		tb.Fatalf("read template.ferry: %v", err)
	}
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	t, err := template.New("ferryferry").Funcs(f).Parse(tmpl.Webhook["ferry"].Body)
	if err != nil {
		tb.Fatalf("parse template.ferry: %v", err)
	}
	return t
}

// argoApp reads an Application as Argo CD hands it to templates: the
// unstructured object, decoded from JSON.
func argoApp(tb testing.TB, name, sha string) map[string]any {
	tb.Helper()
	var app map[string]any
	if err := yaml.Unmarshal(fixture(tb, filepath.Join("argocd", name), sha), &app); err != nil {
		tb.Fatal(err)
	}
	return app
}

// The documented template renders valid JSON for single- and multi-source
// applications, any operation message and an application never synced, and
// ferry reads what it renders.
func TestArgoCDTemplateOfTheDocs(t *testing.T) {
	sha := strings.Repeat("5e", 20)
	neverSynced := func(app map[string]any) {
		st := app["status"].(map[string]any)
		delete(st, "operationState")
		st["health"] = map[string]any{"status": "Healthy"}
	}
	tests := []struct {
		name string
		app  string
		edit func(map[string]any)
		code int
		want []status.Report
	}{
		{"single source", "app-single-source.yaml", nil, http.StatusAccepted, []status.Report{
			deployed("dev", sha, true, "argo cd application carts-dev: Synced, Healthy: successfully synced (all tasks run)"),
		}},
		{"multi-source", "app-multi-source.yaml", nil, http.StatusAccepted, []status.Report{
			deployed("staging", sha, true, "argo cd application carts-staging: Synced, Healthy: successfully synced"),
		}},
		{"sync failed with quotes and lines", "app-sync-failed.yaml", nil, http.StatusAccepted, []status.Report{
			deployed("production", sha, false, `argo cd application carts-production: OutOfSync, Progressing: one or more objects failed to apply, reason: Deployment.apps "carts" is invalid: spec.template.spec.containers[0].image: Required value`),
		}},
		{"never synced", "app-single-source.yaml", neverSynced, http.StatusOK, nil},
	}
	tmpl := argoTemplate(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := argoApp(t, tt.app, sha)
			if tt.edit != nil {
				tt.edit(app)
			}
			var body bytes.Buffer
			if err := tmpl.Execute(&body, map[string]any{"app": app, "context": map[string]any{}}); err != nil {
				t.Fatalf("render: %v", err)
			}
			if !json.Valid(body.Bytes()) || bytes.Contains(body.Bytes(), []byte("<no value>")) {
				t.Fatalf("the template renders no valid JSON:\n%s", body.Bytes())
			}
			l := newStatusLoop(t)
			srv := serve(t, l, ingress.ServerOptions{SignalSecret: "t0ken"})
			code, msg := post(t, srv.URL+"/hooks/argocd", body.Bytes(), map[string]string{"Authorization": "Bearer t0ken", "Content-Type": "application/json"})
			if code != tt.code {
				t.Fatalf("answered %d %q, want %d; body:\n%s", code, msg, tt.code, body.Bytes())
			}
			if diff := cmp.Diff(tt.want, l.recorded(t), ignoreReceived); diff != "" {
				t.Errorf("reports (-want +got):\n%s", diff)
			}
		})
	}
}

// The documented trigger fires when Argo CD's catalog triggers on-deployed,
// on-health-degraded and on-sync-failed fire (argoproj/argo-cd
// notifications_catalog/triggers), once per synced revision: with the
// catalog's oncePer for single-source applications, and the revisions of
// every source for multi-source ones.
func TestArgoCDTriggersOfTheDocs(t *testing.T) {
	const oncePer = `(app.status.operationState?.syncResult?.revision ?? '') + join(app.status.operationState?.syncResult?.revisions ?? [], ',')`
	catalog := []string{
		// on-deployed
		`app.status.operationState != nil and app.status.operationState.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and (!time.Parse(app.status.health.lastTransitionTime).Add(1 * time.Minute).Before(time.Parse(app.status.operationState.finishedAt)) or time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(app.status.operationState.startedAt)))`,
		// on-health-degraded
		`app.status.health.status == 'Degraded'`,
		// on-sync-failed
		`app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']`,
	}
	var conditions []struct {
		When    string   `json:"when"`
		OncePer string   `json:"oncePer"`
		Send    []string `json:"send"`
	}
	if err := yaml.Unmarshal([]byte(argoConfigMap(t)["trigger.on-ferry"]), &conditions); err != nil {
		t.Fatalf("read trigger.on-ferry: %v", err)
	}
	var when []string
	for i, c := range conditions {
		when = append(when, c.When)
		if c.OncePer != oncePer {
			t.Errorf("condition %d fires once per %q, want %q", i, c.OncePer, oncePer)
		}
		if !cmp.Equal(c.Send, []string{"ferry"}) {
			t.Errorf("condition %d sends %v, want [ferry]", i, c.Send)
		}
	}
	if diff := cmp.Diff(catalog, when); diff != "" {
		t.Errorf("conditions (-catalog +docs):\n%s", diff)
	}
}
