#!/usr/bin/env bash
# Installs the Pulumi toolchain this project runs on: the `pulumi` CLI, the
# Node.js language host and the `docker` and `tls` resource plugins at the
# versions the installed npm SDKs ask for.
#
# For each piece it first looks for one already installed, then tries the
# official download (briefly: machines without internet must move on fast),
# then builds it from Go modules with the wrapper modules in
# scripts/toolchain/ (see scripts/toolchain/README.md for why each wrapper
# looks the way it does). Running it again when everything is in place takes
# a second or two.
#
# Binaries go to $DIND_COMPOSE_HOME/bin, plugins to $PULUMI_HOME/plugins,
# Go caches, scratch builds and logs to $DIND_COMPOSE_HOME/cache.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/toolchain.sh [--offline] [--rebuild] [-h|--help]

  --offline   skip the official downloads (get.pulumi.com); build what is missing
  --rebuild   build everything from Go modules even if already installed
EOF
}

OFFLINE="${DIND_COMPOSE_TOOLCHAIN_OFFLINE:-}"
REBUILD=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --offline) OFFLINE=1 ;;
    --rebuild) REBUILD=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; echo "toolchain.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

WRAPPERS="$DIND_COMPOSE_ROOT/scripts/toolchain"
BIN="$DIND_COMPOSE_HOME/bin"
CACHE="$DIND_COMPOSE_HOME/cache"
LOGS="$CACHE/logs"
# Official download site; overridable (e.g. a mirror, or a local server to
# exercise this path). Plugins come from the CLI's usual sources unless it is.
DOWNLOAD_BASE="${DIND_COMPOSE_PULUMI_DOWNLOAD_BASE:-https://get.pulumi.com/releases}"

# The npm SDK versions the plugin wrappers map (their resource tokens and
# property names were checked against these SDKs). A different SDK version
# needs the wrapper reviewed before a plugin is built for it.
DOCKER_SDK_MAPPED=5.2.0
TLS_SDK_MAPPED=5.6.1

STEP="setup"
SUMMARY=()
START_ALL=$SECONDS

FAILED=""
say() { printf '==> %s\n' "$*"; }
fail() {
  FAILED=1
  printf 'toolchain.sh: %s: %s\n' "$STEP" "$*" >&2
  exit 1
}
on_exit() {
  local rc=$?
  if [[ $rc -ne 0 && -z "$FAILED" ]]; then
    printf 'toolchain.sh: failed during step "%s" (exit %s)\n' "$STEP" "$rc" >&2
  fi
}
trap on_exit EXIT
record() { SUMMARY+=("$(printf '%-24s %s' "$1" "$2")"); }

mkdir -p "$BIN" "$CACHE" "$LOGS" "$PULUMI_HOME"

# One run at a time: tests and engineers share $DIND_COMPOSE_HOME.
exec 9>"$DIND_COMPOSE_HOME/toolchain.lock"
if ! flock -n 9; then
  say "another toolchain.sh is running; waiting for it"
  flock 9
fi

# --- What the npm SDKs ask for -------------------------------------------------

STEP="reading the npm SDK versions"
NODE_MODULES="$DIND_COMPOSE_ROOT/node_modules"
for pkg in pulumi docker tls; do
  if [[ ! -f "$NODE_MODULES/@pulumi/$pkg/package.json" ]]; then
    fail "$NODE_MODULES/@pulumi/$pkg is missing: run \`npm ci\` in $DIND_COMPOSE_ROOT first"
  fi
done
command -v node >/dev/null || fail "node is not on PATH (the SDK versions are read with it)"
npm_field() { # package, JS expression on the parsed package.json
  node -e 'const p = require(process.argv[1]); const v = eval(process.argv[2]);
           if (!v) { process.exit(1); } console.log(v);' \
    "$NODE_MODULES/@pulumi/$1/package.json" "$2" \
    || fail "cannot read $2 from @pulumi/$1/package.json"
}
CLI_VERSION="$(npm_field pulumi 'p.version')"
DOCKER_VERSION="$(npm_field docker '(p.pulumi || {}).version')"
TLS_VERSION="$(npm_field tls '(p.pulumi || {}).version')"
say "npm SDKs want: pulumi CLI v$CLI_VERSION, plugins docker v$DOCKER_VERSION, tls v$TLS_VERSION"

# --- Go builds ------------------------------------------------------------------

GO=""
go_env() {
  if [[ -z "$GO" ]]; then
    GO="$(command -v go || true)"
    [[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
    [[ -n "$GO" ]] || fail "no Go toolchain (go on PATH or /usr/local/go/bin/go) to build with"
    export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
    export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gobuild"
    say "building with $("$GO" version)"
  fi
}

# The version a wrapper pins for a module (read from its go.mod; no network).
pinned_version() { # wrapper dir, module path (the replacement's version if replaced)
  (cd "$1" && "$GO" list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2") \
    || fail "cannot read the version of $2 in $1/go.mod"
}

# go_build NAME OUTPUT PACKAGE [go build args...]: builds PACKAGE in the
# scratch copy of scripts/toolchain/NAME, logging to $LOGS/build-NAME-*.log.
BUILD_DIR=""
go_build() {
  local name="$1" out="$2" pkg="$3"
  shift 3
  local log="$LOGS/build-$name-${pkg##*/}.log" t0=$SECONDS
  say "$STEP: go build (2 cores: this takes minutes; log: $log)"
  if ! (cd "$BUILD_DIR" && "$GO" build -o "$out" "$@" "$pkg") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "go build of $pkg failed (full log: $log)"
  fi
  say "$STEP: built in $((SECONDS - t0))s"
}

prepare_build_dir() { # wrapper name
  BUILD_DIR="$CACHE/build/$1"
  rm -rf "$BUILD_DIR"
  mkdir -p "$(dirname "$BUILD_DIR")"
  cp -a "$WRAPPERS/$1" "$BUILD_DIR"
}

install_bin() { # built file, name in $BIN
  chmod 0755 "$1"
  mv -f "$1" "$BIN/$2"
}

# --- Official downloads (skipped quickly when there is no route) ---------------

reachable() { # URL: can we open an HTTPS connection there within 5 s?
  [[ -z "$OFFLINE" ]] && curl -sS -o /dev/null --connect-timeout 5 --max-time 10 -I "$1" 2>/dev/null
}

os_arch() {
  local arch
  case "$(uname -m)" in
    x86_64|amd64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
  esac
  echo "linux-$arch"
}

download_cli() { # version → installs pulumi + language hosts into $BIN
  local url tmp
  url="$DOWNLOAD_BASE/sdk/pulumi-v$1-$(os_arch).tar.gz"
  reachable "$DOWNLOAD_BASE/" || return 1
  tmp="$(mktemp -d "$CACHE/download.XXXXXX")"
  if curl -fsSL --connect-timeout 5 --max-time 600 "$url" -o "$tmp/cli.tgz" \
     && tar -xzf "$tmp/cli.tgz" -C "$tmp" && [[ -x "$tmp/pulumi/pulumi" ]]; then
    for f in "$tmp"/pulumi/*; do install_bin "$f" "$(basename "$f")"; done
    rm -rf "$tmp"
    return 0
  fi
  rm -rf "$tmp"
  return 1
}

download_plugin() { # name version
  local server=()
  [[ -n "${DIND_COMPOSE_PULUMI_DOWNLOAD_BASE:-}" ]] && server=(--server "$DOWNLOAD_BASE/plugins")
  reachable "$DOWNLOAD_BASE/" || return 1
  timeout 600 pulumi plugin install resource "$1" "$2" --exact "${server[@]}" \
    >"$LOGS/download-$1.log" 2>&1
}

# --- 1. The CLI ------------------------------------------------------------------

STEP="pulumi CLI"
installed_cli_version() {
  if command -v pulumi >/dev/null; then pulumi version 2>/dev/null || true; fi
}

t0=$SECONDS
have="$(installed_cli_version)"
if [[ -z "$REBUILD" && "$have" == "v$CLI_VERSION" ]]; then
  record "pulumi CLI" "found $have ($(command -v pulumi))"
elif [[ -z "$REBUILD" && -n "$have" && -f "$BIN/.pulumi-built" && "$(cat "$BIN/.pulumi-built")" == "$have" \
        && "$(command -v pulumi)" == "$BIN/pulumi" ]]; then
  record "pulumi CLI" "found $have (built here earlier; v$CLI_VERSION is not on the Go module proxy)"
elif [[ -z "$REBUILD" ]] && download_cli "$CLI_VERSION"; then
  rm -f "$BIN/.pulumi-built"
  record "pulumi CLI" "downloaded v$CLI_VERSION in $((SECONDS - t0))s"
else
  go_env
  version="$(pinned_version "$WRAPPERS/pulumi" github.com/pulumi/pulumi/pkg/v3)"
  if [[ "$version" != "v$CLI_VERSION" ]]; then
    say "$STEP: v$CLI_VERSION is not available from the Go module proxy; building $version, the newest release it serves"
  fi
  prepare_build_dir pulumi
  go_build pulumi "$BUILD_DIR/pulumi.out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
  install_bin "$BUILD_DIR/pulumi.out" pulumi
  echo "$version" >"$BIN/.pulumi-built"
  [[ "$(pulumi version)" == "$version" ]] || fail "the installed CLI does not report $version"
  record "pulumi CLI" "built $version in $((SECONDS - t0))s"
fi
hash -r
[[ "$(command -v pulumi)" == "$BIN/pulumi" ]] || say "note: the pulumi first on PATH is $(command -v pulumi), not $BIN/pulumi"

# --- 2. The Node.js language host --------------------------------------------

STEP="Node.js language host"
t0=$SECONDS
cli_dir="$(dirname "$(command -v pulumi)")"
if [[ -z "$REBUILD" && -x "$cli_dir/pulumi-language-nodejs" ]]; then
  record "language host" "found $cli_dir/pulumi-language-nodejs"
elif [[ -z "$REBUILD" ]] && command -v pulumi-language-nodejs >/dev/null; then
  record "language host" "found $(command -v pulumi-language-nodejs)"
else
  go_env
  prepare_build_dir language-nodejs
  go_build language-nodejs "$BUILD_DIR/host.out" . -ldflags "-s -w -X main.version=$CLI_VERSION+dind-compose"
  install_bin "$BUILD_DIR/host.out" pulumi-language-nodejs
  record "language host" "built (scripts/toolchain/language-nodejs) in $((SECONDS - t0))s"
fi

# --- 3 and 4. The resource plugins -------------------------------------------

plugin_dir() { echo "$PULUMI_HOME/plugins/resource-$1-v$2"; }
have_plugin() { # name version: installed, complete, and reporting that version
  local dir bin
  dir="$(plugin_dir "$1" "$2")"
  bin="$dir/pulumi-resource-$1"
  [[ -x "$bin" && ! -e "$dir.partial" ]] || return 1
  [[ "$("$bin" -version 2>/dev/null | tail -n 1)" == "$2" ]]
}
install_plugin() { # name version binary
  pulumi plugin rm resource "$1" "$2" --yes >/dev/null 2>&1 || true
  pulumi plugin install resource "$1" "$2" --file "$3" >"$LOGS/install-$1.log" 2>&1 \
    || { cat "$LOGS/install-$1.log" >&2; fail "pulumi plugin install resource $1 $2 failed"; }
  have_plugin "$1" "$2" || fail "plugin $1 v$2 is not usable after installing it"
}
check_mapped() { # name required mapped
  [[ "$2" == "$3" ]] || fail "scripts/toolchain/provider-$1 maps @pulumi/$1 $3 but node_modules has $2: \
review its mapping against the new SDK and update ${1^^}_SDK_MAPPED in this script"
}

STEP="tls plugin"
t0=$SECONDS
if [[ -z "$REBUILD" ]] && have_plugin tls "$TLS_VERSION"; then
  record "tls plugin" "found v$TLS_VERSION"
elif [[ -z "$REBUILD" ]] && download_plugin tls "$TLS_VERSION" && have_plugin tls "$TLS_VERSION"; then
  record "tls plugin" "downloaded v$TLS_VERSION in $((SECONDS - t0))s"
else
  check_mapped tls "$TLS_VERSION" "$TLS_SDK_MAPPED"
  go_env
  prepare_build_dir provider-tls
  go_build provider-tls "$BUILD_DIR/plugin.out" . -ldflags "-s -w -X main.version=$TLS_VERSION"
  install_plugin tls "$TLS_VERSION" "$BUILD_DIR/plugin.out"
  record "tls plugin" "built v$TLS_VERSION (upstream $(pinned_version "$BUILD_DIR" github.com/hashicorp/terraform-provider-tls)) in $((SECONDS - t0))s"
fi

STEP="docker plugin"
t0=$SECONDS
if [[ -z "$REBUILD" ]] && have_plugin docker "$DOCKER_VERSION"; then
  record "docker plugin" "found v$DOCKER_VERSION"
elif [[ -z "$REBUILD" ]] && download_plugin docker "$DOCKER_VERSION" && have_plugin docker "$DOCKER_VERSION"; then
  record "docker plugin" "downloaded v$DOCKER_VERSION in $((SECONDS - t0))s"
else
  check_mapped docker "$DOCKER_VERSION" "$DOCKER_SDK_MAPPED"
  go_env
  prepare_build_dir provider-docker
  # The docker_compose resource (not in the SDK) would pull in all of
  # docker/compose; upstream's no_compose tag leaves it out.
  go_build provider-docker "$BUILD_DIR/schema.out" ./cmd/schema -tags no_compose
  say "$STEP: generating the package schema"
  "$BUILD_DIR/schema.out" "$DOCKER_VERSION" >"$BUILD_DIR/cmd/pulumi-resource-docker/schema.json" \
    2>"$LOGS/schema-docker.log" || { tail -n 20 "$LOGS/schema-docker.log" >&2; fail "schema generation failed"; }
  go_build provider-docker "$BUILD_DIR/plugin.out" ./cmd/pulumi-resource-docker -tags no_compose \
    -ldflags "-s -w -X main.version=$DOCKER_VERSION"
  install_plugin docker "$DOCKER_VERSION" "$BUILD_DIR/plugin.out"
  upstream="$(pinned_version "$BUILD_DIR" github.com/terraform-providers/terraform-provider-docker)"
  record "docker plugin" "built v$DOCKER_VERSION (upstream kreuzwerker $upstream) in $((SECONDS - t0))s"
fi

# --- Summary ------------------------------------------------------------------------

STEP="summary"
say "toolchain ready in $((SECONDS - START_ALL))s:"
printf '    %s\n' "${SUMMARY[@]}"
printf '    %-24s %s\n' "PATH entry" "$BIN (added by scripts/env.sh)" "plugins" "$PULUMI_HOME/plugins"
