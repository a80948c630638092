#!/usr/bin/env bash
# Builds the Gitea server that ferry's forge tests run against
# (internal/giteatest) from the module in hack/gitea, once: the binary and
# the options/, templates/ and public/ directories Gitea reads at runtime go
# to $FERRY_TOOLS_DIR/gitea-<version>/ (default ~/.cache/ferry-tools), and
# later runs reuse them. When it cannot build, it says what is missing; the
# tests that need Gitea then skip locally, and fail under CI (CI set), as
# this script does.
set -euo pipefail
cd "$(dirname "$0")/gitea"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

# The version hack/gitea/go.mod requires (and giteatest.Version names).
version="$(awk '$1 == "code.gitea.io/gitea" { print $2 }' go.mod)"
tags="sqlite sqlite_unlock_notify"
dir="${FERRY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ferry-tools}/gitea-$version"

missing() {
  echo "hack/gitea.sh: cannot build Gitea $version: $*; the tests that need it skip (under CI they fail)" >&2
  if [ -n "${CI:-}" ]; then exit 1; fi
  exit 0
}

if [ -x "$dir/gitea" ] && [ -d "$dir/options" ] && [ -d "$dir/templates" ]; then
  echo "hack/gitea.sh: using $dir/gitea"
  exit 0
fi

command -v go >/dev/null || missing "go is not on PATH"
# Gitea's SQLite driver (mattn/go-sqlite3) is C code built with cgo.
cc="$(go env CC)"
command -v "${cc%% *}" >/dev/null || missing "cgo needs a C compiler ($cc): install gcc (Debian: apt-get install gcc libc6-dev)"

echo "hack/gitea.sh: building Gitea $version into $dir (a few minutes, once)"
start=$SECONDS
tmp="$(mkdir -p "$(dirname "$dir")" && mktemp -d "$dir.tmp.XXXXXX")"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# The flags of Gitea's Makefile for a SQLite build.
CGO_ENABLED=1 CGO_CFLAGS="$(go env CGO_CFLAGS) -DSQLITE_MAX_VARIABLE_NUMBER=32766" \
  go build -tags "$tags" -ldflags "-s -w -X main.Version=${version#v} -X 'main.Tags=$tags'" \
  -o "$tmp/gitea" code.gitea.io/gitea ||
  missing "go build failed (see above)"
src="$(go list -m -f '{{.Dir}}' code.gitea.io/gitea)"
cp -R "$src/options" "$src/templates" "$src/public" "$tmp/"
chmod -R u+w "$tmp" # the module cache is read-only
chmod 755 "$tmp"
rm -rf "$dir"
mv "$tmp" "$dir"
echo "hack/gitea.sh: built $dir/gitea in $((SECONDS - start))s"
