#!/usr/bin/env bash
# Installs what the tests need that Go does not bring: git (with
# git-http-backend) for the interoperability suite, gpg and ssh-keygen for
# the signed-commit tests, the real Prometheus and Alertmanager for the
# end-to-end tests, Chromium for the dashboard's browser tests, and gcc to
# build the Gitea
# server of the forge tests (hack/gitea.sh), and the kube-apiserver and etcd
# of the Kubernetes tests (hack/kube.sh), and controller-gen, whose output a
# test compares with the committed files (hack/controller-gen.sh): all
# built once, then cached. As
# root it installs Debian's packages with apt-get; otherwise it says what is
# missing (the tests that need it skip locally, and fail under CI=true).
set -euo pipefail

need=()
command -v git >/dev/null || need+=(git)
command -v prometheus >/dev/null || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v unzip >/dev/null || need+=(unzip)
command -v chromium >/dev/null || need+=(chromium)
command -v gpg >/dev/null || need+=(gnupg)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
    # Debian's packages start their services where an init system runs;
    # the tests start their own servers on free loopback ports.
    pkill -x prometheus 2>/dev/null || true
    pkill -x prometheus-alertmanager 2>/dev/null || true
  else
    echo "hack/deps.sh: missing ${need[*]}: install them (Debian: apt-get install ${need[*]}); the tests that need them skip" >&2
  fi
fi
if command -v git >/dev/null && [ ! -x "$(git --exec-path)/git-http-backend" ]; then
  echo "hack/deps.sh: git-http-backend is missing from $(git --exec-path): the interoperability tests need it" >&2
  exit 1
fi

"$(dirname "$0")/gitea.sh"
"$(dirname "$0")/kube.sh"
"$(dirname "$0")/controller-gen.sh"
"$(dirname "$0")/agent-crds.sh"
