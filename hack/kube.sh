#!/usr/bin/env bash
# Builds the kube-apiserver and etcd that ferry's Kubernetes tests run
# against (internal/kubetest, on controller-runtime's envtest) from the
# module in hack/kube, once: both binaries go to
# $FERRY_TOOLS_DIR/kube-<version>/bin/ (default ~/.cache/ferry-tools), the
# directory KUBEBUILDER_ASSETS names, and later runs reuse them. The first
# build takes about 10 minutes on two idle cores (20 CPU-minutes). When it cannot build, it
# says what is missing; the tests that need the API server then skip
# locally, and fail under CI (CI set), as this script does.
set -euo pipefail
cd "$(dirname "$0")/kube"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# The versions hack/kube/go.mod requires (kubetest.Version names the first).
version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' go.mod)"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ { print $2 }' go.mod)"
dir="${FERRY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-tools}/kube-$version"

missing() {
  echo "hack/kube.sh: cannot build kube-apiserver $version and etcd $etcd_version: $*; the tests that need them skip (under CI they fail)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 0
}

if [ -x "$dir/bin/kube-apiserver" ] && [ -x "$dir/bin/etcd" ]; then
  echo "hack/kube.sh: using $dir/bin"
  exit 0
fi

command -v go >/dev/null || missing "go is not on PATH"

echo "hack/kube.sh: building kube-apiserver $version and etcd $etcd_version into $dir/bin (about 10 minutes on two idle cores, once)"
start=$SECONDS
tmp="$(mkdir -p "$(dirname "$dir")" && mktemp -d "$dir.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# What Kubernetes' hack/lib/version.sh stamps, so that the server reports
# its release (kubectl version, discovery's /version) and not v0.0.0.
major="${version#v}" && major="${major%%.*}"
minor="${version#v*.}" && minor="${minor%%.*}"
stamp=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
# Static binaries without cgo, as Kubernetes and etcd release them.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w$stamp" \
  -o "$tmp/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver ||
  missing "go build of kube-apiserver failed (see above)"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
  -o "$tmp/bin/etcd" go.etcd.io/etcd/server/v3 ||
  missing "go build of etcd failed (see above)"
"$tmp/bin/kube-apiserver" --version | grep -qx "Kubernetes $version" ||
  missing "the built kube-apiserver reports $("$tmp/bin/kube-apiserver" --version), not $version"
chmod 755 "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "hack/kube.sh: built $dir/bin/kube-apiserver and etcd in $((SECONDS - start))s"
