package kubetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ferrycd/ferry/internal/e2e"
)

// Version is the Kubernetes release hack/kube.sh builds (the
// k8s.io/kubernetes that hack/kube/go.mod requires).
const Version = "v1.37.2"

// DefaultStartTimeout bounds the start of etcd and of kube-apiserver each:
// envtest's 20 s default is too short on two cores shared with builds.
const DefaultStartTimeout = 60 * time.Second

// Assets returns the directory holding kube-apiserver and etcd:
// $KUBEBUILDER_ASSETS, or else the one hack/kube.sh caches. The test skips
// when a binary is missing, and fails under CI (CI set).
func Assets(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = cachedAssets()
	}
	for _, name := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			msg := fmt.Sprintf("kubernetes test assets: %v; build them with hack/kube.sh (or set KUBEBUILDER_ASSETS)", err)
			if os.Getenv("CI") != "" {
				tb.Fatal(msg)
			}
			tb.Skip(msg)
		}
	}
	return dir
}

// cachedAssets is where hack/kube.sh builds kube-apiserver and etcd.
func cachedAssets() string {
	return filepath.Join(e2e.ToolsDir(), "kube-"+Version, "bin")
}

// Start starts etcd and kube-apiserver with envtest, installs the custom
// resource definitions found in crdDirs (each must exist), and stops them
// when the test ends. The returned environment's Config is an admin's
// (system:masters) client configuration; its KubeConfig the same as a
// kubeconfig file's contents.
func Start(tb testing.TB, crdDirs ...string) *envtest.Environment {
	tb.Helper()
	dir := Assets(tb)
	env := &envtest.Environment{
		BinaryAssetsDirectory:    dir,
		CRDDirectoryPaths:        crdDirs,
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: DefaultStartTimeout,
	}
	// Explicit paths, so that TEST_ASSET_* variables do not mix binaries
	// from elsewhere with these.
	env.ControlPlane.GetAPIServer().Path = filepath.Join(dir, "kube-apiserver")
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(dir, "etcd")}
	start := time.Now()
	if _, err := env.Start(); err != nil {
		// A failed start may leave etcd running.
		_ = env.Stop()
		tb.Fatalf("start kube-apiserver and etcd from %s: %v", dir, err)
	}
	tb.Logf("kube-apiserver and etcd from %s started in %v", dir, time.Since(start).Round(time.Millisecond))
	tb.Cleanup(func() {
		if err := env.Stop(); err != nil {
			tb.Errorf("stop kube-apiserver and etcd: %v", err)
		}
	})
	return env
}

// AgentCRDs returns the directory of the GitOps agents' CRDs (Flux's
// Kustomization and GitRepository, Argo CD's Application) that
// hack/agent-crds.sh fetches from the modules that publish them. The test
// skips without them, and fails under CI.
func AgentCRDs(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(e2e.ToolsDir(), "agent-crds-1")
	if entries, err := os.ReadDir(dir); err != nil || len(entries) == 0 {
		msg := fmt.Sprintf("the agents' CRDs are not in %s; fetch them with hack/agent-crds.sh", dir)
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}
