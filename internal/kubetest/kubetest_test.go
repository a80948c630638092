package kubetest_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ferrycd/ferry/internal/kubetest"
)

// TestStart writes a Namespace, a ConfigMap and a custom resource (of a
// definition in testdata/crds) to a real API server and reads them back,
// and checks that the server is the release hack/kube.sh builds.
func TestStart(t *testing.T) {
	env := kubetest.Start(t, "testdata/crds")
	ctx := t.Context()

	disc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	info, err := disc.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if info.GitVersion != kubetest.Version {
		t.Errorf("server version: got %s, want %s", info.GitVersion, kubetest.Version)
	}

	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ferry-test"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"stage": "staging", "revision": "0123abc"}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "app"},
		Data:       want,
	}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}

	var gotNS corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: ns.Name}, &gotNS); err != nil {
		t.Fatal(err)
	}
	if gotNS.UID == "" || gotNS.Status.Phase != corev1.NamespaceActive {
		t.Errorf("namespace %s: uid %q, phase %q; want a uid and phase Active", ns.Name, gotNS.UID, gotNS.Status.Phase)
	}
	var got corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Data); diff != "" {
		t.Errorf("configmap %s/%s data (-want +got):\n%s", ns.Name, cm.Name, diff)
	}

	widget := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "test.ferry.dev/v1",
		"kind":       "Widget",
		"metadata":   map[string]any{"namespace": ns.Name, "name": "w"},
		"spec":       map[string]any{"size": int64(3)},
	}}
	if err := c.Create(ctx, widget); err != nil {
		t.Fatal(err)
	}
	gotWidget := &unstructured.Unstructured{}
	gotWidget.SetGroupVersionKind(widget.GroupVersionKind())
	if err := c.Get(ctx, client.ObjectKeyFromObject(widget), gotWidget); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(widget.Object["spec"], gotWidget.Object["spec"]); diff != "" {
		t.Errorf("widget %s/w spec (-want +got):\n%s", ns.Name, diff)
	}
}

// TestVersion keeps Version, where the tests look for the binaries and the
// version the server must report, in step with the k8s.io/kubernetes that
// hack/kube/go.mod builds.
func TestVersion(t *testing.T) {
	data, err := os.ReadFile("../../hack/kube/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "k8s.io/kubernetes" {
			if f[1] != kubetest.Version {
				t.Errorf("hack/kube/go.mod requires k8s.io/kubernetes %s; kubetest.Version is %s", f[1], kubetest.Version)
			}
			return
		}
	}
	t.Error("hack/kube/go.mod: no requirement of k8s.io/kubernetes")
}
