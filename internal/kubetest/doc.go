// Package kubetest starts a real Kubernetes API server for ferry's
// Kubernetes-mode tests: kube-apiserver v1.37.2 and etcd v3.7.3, which
// hack/kube.sh builds from the Go module proxy, run by controller-runtime's
// envtest on free loopback ports with a fresh etcd data directory per test.
//
// # Finding the binaries
//
// [Start] runs kube-apiserver and etcd from $KUBEBUILDER_ASSETS (the
// variable envtest and setup-envtest use), or else from the directory
// hack/kube.sh caches them in, $FERRY_TOOLS_DIR/kube-v1.37.2/bin (default
// ~/.cache/ferry-tools/kube-v1.37.2/bin). Without them the test skips,
// except under CI (CI set), where it fails. kubectl is not built: envtest
// does not need it to start a server.
//
// # Custom resources
//
// [Start] installs the CustomResourceDefinitions in the directories it is
// given (YAML or JSON files) and waits until they are served; a missing
// directory fails the test.
//
// # Cost
//
// Starting etcd and the API server, with one CustomResourceDefinition,
// takes 5 to 6 s on two cores shared with builds (load 4 to 10); stopping
// them about 1.3 s. Each call of [Start] pays it: share one server between the
// cases of a table-driven test. The first build of the binaries takes
// about 10 minutes on two idle cores (see hack/kube.sh).
package kubetest
