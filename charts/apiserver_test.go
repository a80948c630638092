package charts_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ferrycd/ferry/internal/kubetest"
)

// TestChartInstallsOnAPIServer installs the chart as helm install does
// (its CRDs first, then the rendered objects) on a real kube-apiserver,
// which validates every object: what helm template renders is what a
// cluster accepts. A ServiceMonitor is only created where its CRD is
// installed, which it is not here.
func TestChartInstallsOnAPIServer(t *testing.T) {
	var crdDirs []string
	if entries, err := os.ReadDir(filepath.Join(chartDir, "crds")); err == nil && len(entries) > 0 {
		crdDirs = append(crdDirs, filepath.Join(chartDir, "crds"))
	}
	env := kubetest.Start(t, crdDirs...)
	c, err := client.New(env.Config, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("create namespace %s: %v", namespace, err)
	}
	ch := loadChart(t)
	for _, vals := range []string{"{}", "shards: [a, b]\nreplicas: 2\nserviceMonitor:\n  enabled: true\n"} {
		r := render(t, ch, values(t, vals))
		for _, o := range r.objects {
			obj := o.(client.Object)
			// Created for real (the server's validation, defaulting and
			// admission), then replaced by the next values' objects as
			// helm upgrade would.
			err := c.Create(ctx, obj)
			if apierrors.IsAlreadyExists(err) {
				cur := obj.DeepCopyObject().(client.Object)
				if err = c.Get(ctx, client.ObjectKeyFromObject(obj), cur); err == nil {
					obj.SetResourceVersion(cur.GetResourceVersion())
					err = c.Update(ctx, obj)
				}
			}
			if err != nil {
				t.Errorf("values %q: %s %s: %v", vals, o.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
			}
		}
	}
}
