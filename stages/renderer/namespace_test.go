package renderer_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferrycd/ferry/stages/renderer"
)

// TestNamespacePlacement: namespaced objects without a namespace get the
// release's, one added line each; the chart's own namespace, cluster-scoped
// kinds and output that is not an object are left as they are.
func TestNamespacePlacement(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{
			"namespaced", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  # the name\n  name: web\n  labels: {app: web}\nspec: {}\n",
			"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  # the name\n  namespace: shop-dev\n  name: web\n  labels: {app: web}\nspec: {}",
		},
		{
			"own namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: other\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: other",
		},
		{
			"cluster-scoped", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web",
		},
		{
			"custom kind", "apiVersion: example.com/v1\nkind: ClusterRole\nmetadata:\n    name: web\n",
			"apiVersion: example.com/v1\nkind: ClusterRole\nmetadata:\n    namespace: shop-dev\n    name: web",
		},
		{
			"several documents", "# first\napiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n",
			"# first\napiVersion: v1\nkind: Service\nmetadata:\n  namespace: shop-dev\n  name: a\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  namespace: shop-dev\n  name: b",
		},
		{
			"flow style", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: wéb}\n---\n{apiVersion: v1, kind: ConfigMap, metadata: {}}\n",
			"apiVersion: v1\nkind: ServiceAccount\nmetadata: {namespace: shop-dev, name: wéb}\n---\n{apiVersion: v1, kind: ConfigMap, metadata: {namespace: shop-dev}}",
		},
		{
			"list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n",
			"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    namespace: shop-dev\n    name: a\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b",
		},
		{"not an object", "replicas: 1\nkind: [x]\n", "replicas: 1\nkind: [x]"},
		{"not YAML", "kind: {\n", "kind: {"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := renderer.RenderHelm(request(map[string]string{"t.yaml": tt.template}, nil))
			if err != nil {
				t.Fatal(err)
			}
			want := "---\n# Source: web/templates/t.yaml\n" + tt.want + "\n"
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("render (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsClusterScoped(t *testing.T) {
	for _, tt := range []struct {
		apiVersion, kind string
		want             bool
	}{
		{"v1", "Namespace", true},
		{"v1", "PersistentVolume", true},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", true},
		{"apiextensions.k8s.io/v1", "CustomResourceDefinition", true},
		{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", true},
		{"v1", "PersistentVolumeClaim", false},
		{"rbac.authorization.k8s.io/v1", "RoleBinding", false},
		{"cert-manager.io/v1", "ClusterIssuer", false},
		{"example.com/v1", "Namespace", false},
	} {
		if got := renderer.IsClusterScoped(tt.apiVersion, tt.kind); got != tt.want {
			t.Errorf("IsClusterScoped(%q, %q) = %v, want %v", tt.apiVersion, tt.kind, got, tt.want)
		}
	}
}
