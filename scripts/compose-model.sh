#!/usr/bin/env bash
# Builds dind-compose-model, the host tool through which the program reads each
# project's compose model with compose's own loader (compose-go, pinned in
# scripts/compose-model/go.mod to the version the runner's compose is built
# with), into $DIND_COMPOSE_HOME/bin.
#
# It compiles scripts/compose-model with the machine's Go, fetching modules
# through the Go module proxy (GOPROXY as the machine has it) and checking them
# against the committed go.sum. A stamp records which sources the installed
# binary was built from: running it again without changes takes milliseconds.
# Go caches, the scratch build and the log go to $DIND_COMPOSE_HOME/cache.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/compose-model.sh [--rebuild] [-h|--help]

  --rebuild   build even if the installed dind-compose-model is current
EOF
}

say() { printf '==> %s\n' "$*"; }
fail() {
  printf 'compose-model.sh: %s\n' "$*" >&2
  exit 1
}

REBUILD=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rebuild) REBUILD=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "compose-model.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
SRC="$DIND_COMPOSE_ROOT/scripts/compose-model"
BIN="$DIND_COMPOSE_HOME/bin"
CACHE="$DIND_COMPOSE_HOME/cache"
LOGS="$CACHE/logs"
STAMP="$DIND_COMPOSE_HOME/stamps/compose-model"
TOOL="$BIN/dind-compose-model"
mkdir -p "$BIN" "$LOGS" "$(dirname "$STAMP")"

[[ -f "$SRC/go.mod" && -f "$SRC/go.sum" ]] || fail "$SRC/go.mod or go.sum is missing"
GO="$(command -v go || true)"
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
[[ -n "$GO" ]] || fail "no Go toolchain (go on PATH or /usr/local/go/bin/go) to build dind-compose-model with"

# The build's whole environment: only the proxy comes from the machine. A
# GOFLAGS, GOWORK or toolchain switch set elsewhere must not change the result.
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false -trimpath"
export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gobuild"
LDFLAGS="-s -w"

# What the binary is built from: the module's sources, the Go release, the flags.
source_hash() {
  {
    (cd "$SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -print0 \
      | sort -z | xargs -0 sha256sum)
    "$GO" version
    echo "$GOFLAGS $CGO_ENABLED $LDFLAGS"
  } | sha256sum | cut -c1-16
}
current() { [[ -x "$TOOL" && -f "$STAMP" && "$(cat "$STAMP")" == "$(source_hash)" ]]; }

if [[ -z "$REBUILD" ]] && current; then
  say "dind-compose-model is current ($TOOL, compose-go $("$TOOL" --version))"
  exit 0
fi

# One build at a time: provisioning and tests share $DIND_COMPOSE_HOME.
exec 9>"$DIND_COMPOSE_HOME/compose-model.lock"
if ! flock -n 9; then
  say "another compose-model.sh is building; waiting for it"
  flock 9
  if [[ -z "$REBUILD" ]] && current; then
    say "dind-compose-model is current ($TOOL)"
    exit 0
  fi
fi

pin="$(awk '$1 == "github.com/compose-spec/compose-go/v2" { print $2 } $1 == "require" && $2 == "github.com/compose-spec/compose-go/v2" { print $3 }' "$SRC/go.mod")"
[[ -n "$pin" ]] || fail "no github.com/compose-spec/compose-go/v2 requirement in $SRC/go.mod"

# Build in a scratch copy so that nothing the go command writes lands in the checkout.
BUILD_DIR="$CACHE/build/compose-model"
rm -rf "$BUILD_DIR"
mkdir -p "$(dirname "$BUILD_DIR")"
cp -a "$SRC" "$BUILD_DIR"
log="$LOGS/build-compose-model.log"
t0=$SECONDS
say "building dind-compose-model (compose-go $pin) with $("$GO" version | cut -d' ' -f3); log: $log"
if ! (cd "$BUILD_DIR" && "$GO" build -ldflags "$LDFLAGS" -o dind-compose-model .) >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  fail "go build failed (full log: $log); GOPROXY=$("$GO" env GOPROXY) must serve compose-go $pin and its dependencies"
fi

built="$("$BUILD_DIR/dind-compose-model" --version)" || fail "the built binary does not run"
[[ "$built" == "$pin" ]] || fail "the built binary reports compose-go $built, go.mod pins $pin"
chmod 0755 "$BUILD_DIR/dind-compose-model"
mv -f "$BUILD_DIR/dind-compose-model" "$TOOL"
source_hash >"$STAMP"
rm -rf "$BUILD_DIR"
say "installed $TOOL (compose-go $pin) in $((SECONDS - t0))s"
