#!/usr/bin/env bash
# Makes this machine ready to run the stack and its tests: a Docker engine, the
# npm dependencies, the images the stack runs, and the Pulumi CLI with its
# plugins. Each step reuses what is already there, so a second run is quick.
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

step "docker engine" bash scripts/engine.sh
step "npm dependencies" npm_deps
step "images" bash scripts/images.sh
step "pulumi toolchain" bash scripts/toolchain.sh
