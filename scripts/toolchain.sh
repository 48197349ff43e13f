#!/usr/bin/env bash
# Installs the Pulumi toolchain this project runs on: the `pulumi` CLI, the
# Node.js language host and the `docker` and `tls` resource plugins at the
# versions the installed npm SDKs ask for.
#
# For each piece it first looks for one already installed, then tries the
# official download (briefly: machines without internet must move on fast),
# then builds it from Go modules with the wrapper modules in
# scripts/toolchain/ (scripts/toolchain/README.md says why each wrapper looks
# the way it does). Running it again when everything is in place takes a
# second or two.
#
# Binaries go to $DIND_COMPOSE_HOME/bin, plugins to $PULUMI_HOME/plugins,
# Go caches, scratch builds and logs to $DIND_COMPOSE_HOME/cache.
# Some functions are only called indirectly (the EXIT trap, build_plugin_$name).
# shellcheck disable=SC2317
set -euo pipefail

usage() {
  cat <<'EOF'
usage: scripts/toolchain.sh [--offline] [--rebuild] [-h|--help]

  --offline   skip the official downloads (get.pulumi.com); build what is missing
  --rebuild   build everything from Go modules even if already installed
EOF
}

# The npm SDK versions the plugin wrappers map (their resource tokens and
# property names were checked against these SDKs). Another SDK version needs
# the wrapper reviewed before a plugin is built for it.
DOCKER_SDK_MAPPED=5.2.0
TLS_SDK_MAPPED=5.6.1

# Official download site; overridable (a mirror, or a local server to
# exercise this path). Plugins come from the CLI's usual sources unless set.
DOWNLOAD_BASE="${DIND_COMPOSE_PULUMI_DOWNLOAD_BASE:-https://get.pulumi.com/releases}"

STEP="setup"
FAILED=""
SUMMARY=()

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
record() { SUMMARY+=("$(printf '%-18s %s' "$1" "$2")"); }

# --- What the npm SDKs ask for -------------------------------------------------

npm_field() { # package, JS expression on its parsed package.json
  node -e 'const p = require(process.argv[1]); const v = eval(process.argv[2]);
           if (!v) { process.exit(1); } console.log(v);' \
    "$NODE_MODULES/@pulumi/$1/package.json" "$2" \
    || fail "cannot read $2 from @pulumi/$1/package.json"
}

read_sdk_versions() {
  STEP="reading the npm SDK versions"
  NODE_MODULES="$DIND_COMPOSE_ROOT/node_modules"
  local pkg
  for pkg in pulumi docker tls; do
    [[ -f "$NODE_MODULES/@pulumi/$pkg/package.json" ]] \
      || fail "$NODE_MODULES/@pulumi/$pkg is missing: run \`npm ci\` in $DIND_COMPOSE_ROOT first"
  done
  command -v node >/dev/null || fail "node is not on PATH (the SDK versions are read with it)"
  CLI_VERSION="$(npm_field pulumi 'p.version')"
  PLUGIN_VERSION[docker]="$(npm_field docker '(p.pulumi || {}).version')"
  PLUGIN_VERSION[tls]="$(npm_field tls '(p.pulumi || {}).version')"
  say "npm SDKs want: pulumi CLI v$CLI_VERSION, plugins docker v${PLUGIN_VERSION[docker]}, tls v${PLUGIN_VERSION[tls]}"
}

# --- Go builds ------------------------------------------------------------------

GO=""
go_env() {
  [[ -z "$GO" ]] || return 0
  GO="$(command -v go || true)"
  [[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
  [[ -n "$GO" ]] || fail "no Go toolchain (go on PATH or /usr/local/go/bin/go) to build with"
  # Never fetch another Go toolchain; modules come from GOPROXY, checked
  # against the wrappers' committed go.sum files.
  export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
  export GOMODCACHE="$CACHE/gomod" GOCACHE="$CACHE/gobuild"
  say "building with $("$GO" version)"
}

pinned_version() { # wrapper dir, module path (the replacement's version if replaced)
  (cd "$1" && "$GO" list -m -f '{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' "$2") \
    || fail "cannot read the version of $2 in $1/go.mod"
}

# Builds happen in a scratch copy of the wrapper, so that generated files
# (the docker schema) never land in the checkout.
prepare_build_dir() { # wrapper name
  BUILD_DIR="$CACHE/build/$1"
  rm -rf "$BUILD_DIR"
  mkdir -p "$(dirname "$BUILD_DIR")"
  cp -a "$WRAPPERS/$1" "$BUILD_DIR"
}

go_build() { # wrapper name, output, package, go build args...
  local name="$1" out="$2" pkg="$3"
  shift 3
  local log="$LOGS/build-$name.log" t0=$SECONDS
  [[ "$pkg" == "." ]] || log="$LOGS/build-$name-${pkg##*/}.log"
  say "$STEP: go build $pkg (2 cores: minutes when cold; log: $log)"
  if ! (cd "$BUILD_DIR" && "$GO" build -o "$out" "$@" "$pkg") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    fail "go build of $pkg failed (full log: $log)"
  fi
  say "$STEP: built in $((SECONDS - t0))s"
}

install_bin() { # file, name in $BIN
  chmod 0755 "$1"
  mv -f "$1" "$BIN/$2"
}

# Build stamps: what was built here, at which version, from which state of
# its wrapper. A wrapper that changed since (a fix, a new pin) is rebuilt.
wrapper_hash() { # wrapper name
  (cd "$WRAPPERS/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}
built_current() { # wrapper name, version: built here from the current wrapper?
  [[ -f "$STAMPS/$1" && "$(cat "$STAMPS/$1")" == "$2 $(wrapper_hash "$1")" ]]
}
built_stale() { # wrapper name, version: built here, from another wrapper state or version
  [[ -f "$STAMPS/$1" ]] && ! built_current "$1" "$2"
}
write_stamp() { echo "$2 $(wrapper_hash "$1")" >"$STAMPS/$1"; }
note_stale() { # wrapper name, version
  if built_stale "$1" "$2"; then say "$STEP: scripts/toolchain/$1 changed since the last build"; fi
}

# --- Official downloads (skipped within seconds when there is no route) --------

reachable() { # URL: can an HTTPS connection be opened there within 5 s?
  [[ -z "$OFFLINE" ]] && curl -sS -o /dev/null --connect-timeout 5 --max-time 10 -I "$1" 2>/dev/null
}

os_arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo linux-x64 ;;
    aarch64|arm64) echo linux-arm64 ;;
    *) echo "linux-$(uname -m)" ;;
  esac
}

download_cli() { # version: installs pulumi and its language hosts into $BIN
  local url tmp f
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

download_plugin() { # name, version
  local server=()
  [[ -n "${DIND_COMPOSE_PULUMI_DOWNLOAD_BASE:-}" ]] && server=(--server "$DOWNLOAD_BASE/plugins")
  reachable "$DOWNLOAD_BASE/" || return 1
  timeout 600 pulumi plugin install resource "$1" "$2" --exact --reinstall "${server[@]}" \
    >"$LOGS/download-$1.log" 2>&1
}

# --- 1. The CLI --------------------------------------------------------------------

step_cli() {
  STEP="pulumi CLI"
  local t0=$SECONDS have="" pin
  # The pkg/v3 release the CLI wrapper pins (read without Go: warm runs stay fast).
  pin="$(awk -v m=github.com/pulumi/pulumi/pkg/v3 '$1 == m { print $2 } $1 == "require" && $2 == m { print $3 }' \
    "$WRAPPERS/pulumi/go.mod")"
  [[ -n "$pin" ]] || fail "no github.com/pulumi/pulumi/pkg/v3 requirement in $WRAPPERS/pulumi/go.mod"
  if command -v pulumi >/dev/null; then have="$(pulumi version 2>/dev/null || true)"; fi

  if [[ -z "$REBUILD" && "$have" == "v$CLI_VERSION" ]]; then
    record "pulumi CLI" "found $have ($(command -v pulumi))"
  elif [[ -z "$REBUILD" && "$have" == "$pin" && "$(command -v pulumi)" == "$BIN/pulumi" ]] \
       && built_current pulumi "$pin"; then
    record "pulumi CLI" "found $have (built here; v$CLI_VERSION is not on the Go module proxy)"
  elif [[ -z "$REBUILD" ]] && download_cli "$CLI_VERSION"; then
    rm -f "$STAMPS/pulumi" "$STAMPS/language-nodejs"
    record "pulumi CLI" "downloaded v$CLI_VERSION in $((SECONDS - t0))s"
  else
    note_stale pulumi "$pin"
    go_env
    if [[ "$pin" != "v$CLI_VERSION" ]]; then
      say "$STEP: v$CLI_VERSION is not on the Go module proxy; building $pin, the newest release it serves"
    fi
    prepare_build_dir pulumi
    go_build pulumi "$BUILD_DIR/pulumi.out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pin"
    install_bin "$BUILD_DIR/pulumi.out" pulumi
    rm -rf "$BUILD_DIR"
    [[ "$("$BIN/pulumi" version)" == "$pin" ]] || fail "the installed CLI does not report $pin"
    write_stamp pulumi "$pin"
    record "pulumi CLI" "built $pin in $((SECONDS - t0))s"
  fi
  hash -r
  if [[ "$(command -v pulumi)" != "$BIN/pulumi" ]]; then
    say "note: the pulumi first on PATH is $(command -v pulumi), not $BIN/pulumi"
  fi
}

# --- 2. The Node.js language host ------------------------------------------------

step_language_host() {
  STEP="Node.js language host"
  local t0=$SECONDS cli_dir version="$CLI_VERSION+dind-compose"
  cli_dir="$(dirname "$(command -v pulumi)")"
  if [[ -z "$REBUILD" && -x "$BIN/pulumi-language-nodejs" ]] && built_current language-nodejs "$version"; then
    record "language host" "found $BIN/pulumi-language-nodejs (built here)"
  elif [[ -z "$REBUILD" && ! -f "$STAMPS/language-nodejs" && -x "$cli_dir/pulumi-language-nodejs" ]]; then
    record "language host" "found $cli_dir/pulumi-language-nodejs"
  elif [[ -z "$REBUILD" && ! -f "$STAMPS/language-nodejs" ]] && command -v pulumi-language-nodejs >/dev/null; then
    record "language host" "found $(command -v pulumi-language-nodejs)"
  else
    note_stale language-nodejs "$version"
    go_env
    prepare_build_dir language-nodejs
    go_build language-nodejs "$BUILD_DIR/host.out" . -ldflags "-s -w -X main.version=$version"
    install_bin "$BUILD_DIR/host.out" pulumi-language-nodejs
    rm -rf "$BUILD_DIR"
    write_stamp language-nodejs "$version"
    record "language host" "built $version (scripts/toolchain/language-nodejs) in $((SECONDS - t0))s"
  fi
}

# --- 3. The Node.js dynamic-resource provider -------------------------------------

# `pulumi.dynamic.Resource` runs through the `pulumi-nodejs` provider, a small
# script next to `pulumi`. This project's own (scripts/toolchain/) replaces the
# one the npm SDK ships: that one starts node once just to find the provider
# host, then runs it as a child of sh, out of reach of the engine's signals.
step_dynamic_provider() {
  STEP="Node.js dynamic provider"
  local name=pulumi-resource-pulumi-nodejs
  if cmp -s "$WRAPPERS/$name" "$BIN/$name"; then
    record "dynamic provider" "$BIN/$name is up to date"
  else
    cp "$WRAPPERS/$name" "$BIN/$name.tmp"
    install_bin "$BIN/$name.tmp" "$name"
    record "dynamic provider" "installed $name from scripts/toolchain"
  fi
}

# --- 4 and 5. The resource plugins -------------------------------------------------

have_plugin() { # name, version: installed, complete, and reporting that version
  local dir="$PULUMI_HOME/plugins/resource-$1-v$2"
  [[ -x "$dir/pulumi-resource-$1" && ! -e "$dir.partial" ]] || return 1
  [[ "$("$dir/pulumi-resource-$1" -version 2>/dev/null | tail -n 1)" == "$2" ]]
}

install_plugin() { # name, version, binary (replacing one installed at that version)
  pulumi plugin install resource "$1" "$2" --file "$3" --reinstall >"$LOGS/install-$1.log" 2>&1 \
    || { cat "$LOGS/install-$1.log" >&2; fail "pulumi plugin install resource $1 $2 --file $3 failed"; }
  have_plugin "$1" "$2" || fail "plugin $1 v$2 is not usable after installing it"
}

# The SDK tokens a plugin built here knowingly does not serve.
declare -A NOT_SERVED=([docker]="docker:index/image:Image" [tls]="")

# The schema a freshly built plugin serves must have every token, property
# name and shape of its npm SDK (which Pulumi generated from its own plugin).
check_plugin_schema() { # name, binary
  say "$STEP: checking the plugin's schema against @pulumi/$1"
  pulumi package get-schema "$2" >"$BUILD_DIR/served-schema.json" 2>"$LOGS/get-schema-$1.log" \
    || { cat "$LOGS/get-schema-$1.log" >&2; fail "pulumi package get-schema $2 failed"; }
  # shellcheck disable=SC2086 # NOT_SERVED holds a word list
  node "$WRAPPERS/check-schema.js" "$BUILD_DIR/served-schema.json" "$NODE_MODULES/@pulumi/$1" ${NOT_SERVED[$1]} \
    || fail "the plugin built from scripts/toolchain/provider-$1 does not match @pulumi/$1 (differences above)"
}

# build_plugin_NAME VERSION: builds $BUILD_DIR/pulumi-resource-NAME, sets BUILT_FROM.
build_plugin_tls() { # version
  go_build provider-tls "$BUILD_DIR/pulumi-resource-tls" . -ldflags "-s -w -X main.version=$1"
  BUILT_FROM="upstream terraform-provider-tls $(pinned_version "$BUILD_DIR" github.com/hashicorp/terraform-provider-tls)"
}

build_plugin_docker() { # version
  # The docker_compose resource (not in the SDK) would pull in all of
  # docker/compose; upstream's no_compose build tag leaves it out.
  go_build provider-docker "$BUILD_DIR/schema.out" ./cmd/schema -tags no_compose
  say "$STEP: generating the package schema"
  "$BUILD_DIR/schema.out" "$1" >"$BUILD_DIR/cmd/pulumi-resource-docker/schema.json" 2>"$LOGS/schema-docker.log" \
    || { tail -n 20 "$LOGS/schema-docker.log" >&2; fail "schema generation failed (log: $LOGS/schema-docker.log)"; }
  go_build provider-docker "$BUILD_DIR/pulumi-resource-docker" ./cmd/pulumi-resource-docker -tags no_compose \
    -ldflags "-s -w -X main.version=$1"
  BUILT_FROM="upstream kreuzwerker/terraform-provider-docker \
$(pinned_version "$BUILD_DIR" github.com/terraform-providers/terraform-provider-docker)"
}

step_plugin() { # name, npm SDK version the wrapper maps
  local name="$1" mapped="$2" version="${PLUGIN_VERSION[$1]}" t0=$SECONDS
  STEP="$name plugin"
  if [[ -z "$REBUILD" ]] && have_plugin "$name" "$version" && ! built_stale "provider-$name" "$version"; then
    record "$name plugin" "found v$version"
  elif [[ -z "$REBUILD" ]] && download_plugin "$name" "$version" && have_plugin "$name" "$version"; then
    rm -f "$STAMPS/provider-$name"
    record "$name plugin" "downloaded v$version in $((SECONDS - t0))s"
  else
    note_stale "provider-$name" "$version"
    [[ "$version" == "$mapped" ]] || fail "scripts/toolchain/provider-$name maps @pulumi/$name $mapped, \
but node_modules has $version: review the mapping against that SDK, then update the *_SDK_MAPPED constant in this script"
    go_env
    prepare_build_dir "provider-$name"
    "build_plugin_$name" "$version"
    check_plugin_schema "$name" "$BUILD_DIR/pulumi-resource-$name"
    install_plugin "$name" "$version" "$BUILD_DIR/pulumi-resource-$name"
    rm -rf "$BUILD_DIR"
    write_stamp "provider-$name" "$version"
    record "$name plugin" "built v$version ($BUILT_FROM) in $((SECONDS - t0))s"
  fi
}

main() {
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
  trap on_exit EXIT

  # shellcheck source=scripts/env.sh
  source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
  WRAPPERS="$DIND_COMPOSE_ROOT/scripts/toolchain"
  BIN="$DIND_COMPOSE_HOME/bin"
  CACHE="$DIND_COMPOSE_HOME/cache"
  LOGS="$CACHE/logs"
  STAMPS="$DIND_COMPOSE_HOME/stamps"
  mkdir -p "$BIN" "$CACHE" "$LOGS" "$STAMPS" "$PULUMI_HOME"
  declare -gA PLUGIN_VERSION=()
  local start=$SECONDS

  # One run at a time: tests and engineers share $DIND_COMPOSE_HOME.
  exec 9>"$DIND_COMPOSE_HOME/toolchain.lock"
  if ! flock -n 9; then
    say "another toolchain.sh is running; waiting for it"
    flock 9
  fi

  read_sdk_versions
  step_cli
  step_language_host
  step_dynamic_provider
  step_plugin tls "$TLS_SDK_MAPPED"
  step_plugin docker "$DOCKER_SDK_MAPPED"

  STEP="summary"
  say "toolchain ready in $((SECONDS - start))s:"
  printf '    %s\n' "${SUMMARY[@]}"
  printf '    %-18s %s\n' "on PATH" "$BIN (scripts/env.sh puts it there)" "plugins" "$PULUMI_HOME/plugins"
}

# Everything above is only definitions, so editing this file cannot disturb a
# run in progress (bash reads a script as it goes).
main "$@"; exit
