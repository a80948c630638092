package main_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ferrycd/ferry/api/v1alpha1"
	"github.com/ferrycd/ferry/internal/e2e"
	"github.com/ferrycd/ferry/internal/gittest"
	"github.com/ferrycd/ferry/internal/kubetest"
)

// ferry controller, given a kubeconfig, delivers a Project created on a
// real API server and answers its health probes.
func TestControllerDeliversAProject(t *testing.T) {
	env := kubetest.Start(t, "../../charts/ferry/crds")
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	write(t, kubeconfig, string(env.KubeConfig))
	bare := gittest.InitBare(t)
	gittest.CommitTxtar(t, bare, "main", "testdata/fast.txtar")
	_, url := gittest.NewHTTPServer(t, bare, nil)

	probes := freeAddr(t)
	startFerry(t, "controller", "--kubeconfig", kubeconfig, "--state-dir", filepath.Join(dir, "state"),
		"--listen", freeAddr(t), "--metrics-bind-address", "0", "--health-probe-bind-address", probes)
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	p := &v1alpha1.Project{
		ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "default"},
		Spec:       v1alpha1.ProjectSpec{Repository: v1alpha1.Repository{URL: url}, Interval: metav1.Duration{Duration: time.Second}},
	}
	if err := c.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	e2e.WaitFor(t, 60*time.Second, "carts in dev", func() bool { return e2e.StageImage(bare, "dev") == "carts:0.11.1" })
	e2e.WaitFor(t, 30*time.Second, "a healthy controller", func() bool {
		resp, err := http.Get("http://" + probes + "/readyz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
