#!/usr/bin/env bash
# Fetches the CustomResourceDefinitions of the GitOps agents' objects that
# ferry's controller reads deploy health from — Flux's Kustomization and
# GitRepository, Argo CD's Application — from the Go modules that publish
# them (the module proxy serves their source zips), once, into
# $FERRY_TOOLS_DIR/agent-crds-<n>/ (default ~/.cache/ferry-tools). The
# controller's tests install them in the real API server; without them they
# skip locally, and fail under CI (CI set), as this script does.
set -euo pipefail
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# module version path-in-module
crds=(
  "github.com/fluxcd/kustomize-controller v1.10.1 config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "github.com/fluxcd/source-controller v1.10.1 config/crd/bases/source.toolkit.fluxcd.io_gitrepositories.yaml"
  "github.com/argoproj/argo-cd/v3 v3.6.1 manifests/crds/application-crd.yaml"
)
dir="${FERRY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-tools}/agent-crds-1"

missing() {
  echo "hack/agent-crds.sh: cannot fetch the agents' CRDs: $*; the tests that need them skip (under CI they fail)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 0
}

if [ -d "$dir" ] && [ "$(ls "$dir" | wc -l)" -eq "${#crds[@]}" ]; then
  echo "hack/agent-crds.sh: using $dir"
  exit 0
fi
command -v go >/dev/null || missing "go is not on PATH"
command -v unzip >/dev/null || missing "unzip is not on PATH (Debian: apt-get install unzip)"
tmp="$(mkdir -p "$(dirname "$dir")" && mktemp -d "$dir.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" # outside any module: go mod download fetches the module itself
for c in "${crds[@]}"; do
  read -r mod ver path <<<"$c"
  # The modules need a newer Go to build, which go mod download reports;
  # their source zip is downloaded all the same.
  zip="$(go mod download -json "$mod@$ver" 2>/dev/null | sed -n 's/^[[:space:]]*"Zip": "\(.*\)",*$/\1/p' || true)"
  [ -f "$zip" ] || missing "go mod download $mod@$ver gave no source zip"
  unzip -p "$zip" "$mod@$ver/$path" >"$tmp/$(basename "$path")" || missing "$path is not in $mod@$ver"
done
rm -rf "$dir"
mkdir "$dir"
mv "$tmp"/*.yaml "$dir/"
echo "hack/agent-crds.sh: fetched ${#crds[@]} CRDs into $dir"
