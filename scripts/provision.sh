#!/usr/bin/env bash
# Makes this machine ready to run the stack and its tests: a Docker engine, the
# npm dependencies, the images the stack runs, the Pulumi CLI with its plugins,
# compose's own model loader and the test tools. Each step reuses what is
# already there, so a second run is quick.
set -euo pipefail

usage() { echo "usage: scripts/provision.sh   (no arguments; see README.md, 'Machines without internet')"; }
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DIND_COMPOSE_ROOT"

step() {
  local name=$1; shift
  local started=$SECONDS
  echo "==> $name"
  if ! "$@"; then
    echo "provision: step '$name' failed (command: $*)" >&2
    exit 1
  fi
  echo "==> $name: done in $((SECONDS - started))s"
}

npm_deps() {
  if [[ -d node_modules/@pulumi/pulumi && node_modules/.package-lock.json -nt package-lock.json ]]; then
    echo "node_modules is up to date with package-lock.json"
  else
    npm ci --no-audit --no-fund
  fi
}

# The unit tests run shellcheck (on the runner's script) and openssl (the stack-CA hash); the engine tests
# run `dind-compose trust` against a scratch NSS database with certutil, and `exec` under script(1).
test_tools() {
  local missing=()
  command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v certutil >/dev/null 2>&1 || missing+=(libnss3-tools)
  command -v script >/dev/null 2>&1 || missing+=(bsdutils)
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "shellcheck $(shellcheck --version | sed -n 's/^version: //p'), $(openssl version | cut -d' ' -f1-2), certutil and script are installed"
  elif [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]}); the unit tests run them" >&2
    return 1
  fi
}

step "docker engine" bash scripts/engine.sh
step "npm dependencies" npm_deps
step "images" bash scripts/images.sh
step "pulumi toolchain" bash scripts/toolchain.sh
step "compose model tool" bash scripts/compose-model.sh
step "test tools" test_tools
step "git filter for stack files" bash scripts/git-config.sh
