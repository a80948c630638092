#!/usr/bin/env bash
# Builds controller-gen, which writes the deep-copy functions and the
# CustomResourceDefinitions of ferry's Kubernetes API (api/, charts/ferry/crds/),
# from the module in hack/controller-gen, once: the binary goes to
# $FERRY_TOOLS_DIR/controller-gen-<version>/ (default ~/.cache/ferry-tools)
# and later runs reuse it.
#
# Without arguments it only builds: when it cannot, it says what is missing;
# the test that checks the committed files then skips locally, and fails
# under CI (CI set), as this script does. With arguments it runs
# controller-gen with them from the repository's root (make generate), and
# fails when it cannot build it.
set -euo pipefail
nargs=$#
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/hack/controller-gen"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# The version hack/controller-gen/go.mod requires (and
# v1alpha1's generation test looks for).
version="$(awk '$1 == "sigs.k8s.io/controller-tools" { print $2 }' go.mod)"
dir="${FERRY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-tools}/controller-gen-$version"

missing() {
  echo "hack/controller-gen.sh: cannot build controller-gen $version: $*; the test that needs it skips (under CI it fails)" >&2
  if [ -n "${CI:-}" ] || [ "$nargs" -gt 0 ]; then exit 1; fi
  exit 0
}

if [ ! -x "$dir/controller-gen" ]; then
  command -v go >/dev/null || missing "go is not on PATH"
  echo "hack/controller-gen.sh: building controller-gen $version into $dir (a minute, once)"
  start=$SECONDS
  tmp="$(mkdir -p "$(dirname "$dir")" && mktemp -d "$dir.tmp.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
    -o "$tmp/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen ||
    missing "go build failed (see above)"
  chmod 755 "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  echo "hack/controller-gen.sh: built $dir/controller-gen in $((SECONDS - start))s"
fi

if [ "$#" -gt 0 ]; then
  cd "$root"
  exec "$dir/controller-gen" "$@"
fi
echo "hack/controller-gen.sh: using $dir/controller-gen"
