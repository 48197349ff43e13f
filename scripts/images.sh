#!/usr/bin/env bash
# Makes every image the stack needs available on the Docker engine under
# stable local tags.
#
# For each image the official one is pulled and tagged when a registry is
# reachable; otherwise an equivalent is built from Debian 13 packages
# (scripts/images/<name>/Dockerfile) on a debootstrapped trixie base. Built
# images carry labels saying so and a hash of their build context, so an
# edited Dockerfile is rebuilt on the next run; unchanged ones take seconds.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

usage() {
  cat <<'EOF'
usage: scripts/images.sh [--list] [--force] [--offline] [NAME...]

Makes the stack's images available locally (default: all of them).
NAME is one of the names in lib/image-versions.json (daemon runner proxy registry busybox)

  --list     print the local tags this script provides, one per line, and exit
  --force    re-pull, or rebuild without the layer cache (fresh packages), even
             when the image is present and current; the trixie base is kept
             (docker rmi dind-compose/base:trixie to refresh it too)
  --offline  do not try `docker pull`; build from Debian packages

Environment:
  DIND_COMPOSE_OFFLINE=1        same as --offline
  DIND_COMPOSE_PULL_FROM=HOST/  pull the official images from this registry
                                prefix instead of Docker Hub (a mirror)
  DIND_COMPOSE_PULL_TIMEOUT=N   seconds allowed for one pull (default 120)
  DIND_COMPOSE_DEBIAN_MIRROR    Debian mirror for the base (default
                                http://deb.debian.org/debian)
  DIND_COMPOSE_VERBOSE=1        stream build output instead of logging it
EOF
}

readonly IMAGES_DIR="$DIND_COMPOSE_ROOT/scripts/images"
readonly LOG_DIR="$DIND_COMPOSE_HOME/logs"
readonly BASE_TAG=dind-compose/base:trixie
readonly BASE_OFFICIAL=debian:trixie-slim
readonly HASH_LABEL=io.dind-compose.context-hash
readonly MIRROR="${DIND_COMPOSE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
readonly SECURITY_MIRROR="${DIND_COMPOSE_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
readonly PULL_TIMEOUT="${DIND_COMPOSE_PULL_TIMEOUT:-120}"

# Names, local tags and the official images they stand for: lib/image-versions.json,
# the one place image versions live.
readonly CATALOGUE="$DIND_COMPOSE_ROOT/lib/image-versions.json"
declare -A TAG=() OFFICIAL=()
NAMES=()
while IFS=$'\t' read -r name tag official; do
  NAMES+=("$name"); TAG[$name]=$tag; OFFICIAL[$name]=$official
done < <(node -e '
  const c = require(process.argv[1]);
  for (const [name, v] of Object.entries(c)) if (!name.startsWith("/")) console.log([name, v.tag, v.official].join("\t"));
' "$CATALOGUE")
((${#NAMES[@]})) || { echo "images: error: no images listed in $CATALOGUE" >&2; exit 1; }
readonly NAMES TAG OFFICIAL

say() { printf 'images: %s\n' "$*"; }
die() { printf 'images: error: %s\n' "$*" >&2; exit 1; }

list=0 force=0 offline="${DIND_COMPOSE_OFFLINE:-0}"
wanted=()
while (($#)); do
  case "$1" in
    --list) list=1 ;;
    --force) force=1 ;;
    --offline) offline=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option $1" ;;
    *)
      [[ -n "${TAG[$1]+x}" ]] || die "unknown image '$1' (known: ${NAMES[*]})"
      wanted+=("$1")
      ;;
  esac
  shift
done
((${#wanted[@]})) || wanted=("${NAMES[@]}")

if ((list)); then
  for n in "${wanted[@]}"; do printf '%s\n' "${TAG[$n]}"; done
  exit 0
fi

timeout 15 docker info >/dev/null 2>&1 || die "no Docker daemon answers; run scripts/engine.sh first"
mkdir -p "$LOG_DIR"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_label() {
  docker image inspect -f "{{with .Config.Labels}}{{index . \"$2\"}}{{end}}" "$1" 2>/dev/null || true
}

# Hash of every file in a build context (names and contents).
context_hash() {
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

# One failed pull means no registry here: later images skip straight to a build.
pull_blocked=""
try_pull() { # official-ref local-tag log
  local src="${DIND_COMPOSE_PULL_FROM:+${DIND_COMPOSE_PULL_FROM%/}/}$1"
  ((offline)) && return 1
  [[ -z "$pull_blocked" ]] || return 1
  if timeout "$PULL_TIMEOUT" docker pull -q "$src" >"$3" 2>&1; then
    if [[ "$src" != "$2" ]]; then
      docker tag "$src" "$2"
      # A mirror's name for it is clutter; Docker Hub's official name is kept.
      [[ -z "${DIND_COMPOSE_PULL_FROM:-}" ]] || docker rmi "$src" >/dev/null
    fi
    return 0
  fi
  pull_blocked="$(grep -v '^$' "$3" | tail -n1 | cut -c1-160)"
  [[ -n "$pull_blocked" ]] || pull_blocked="timed out after ${PULL_TIMEOUT}s"
  say "cannot pull $src ($pull_blocked); building from Debian packages instead"
  return 1
}

# --- the trixie base that every local build starts from ----------------------
ensure_base() {
  local t0 log dir
  image_exists "$BASE_TAG" && return 0
  t0="$(now)"
  log="$LOG_DIR/images-base.log"
  if try_pull "$BASE_OFFICIAL" "$BASE_TAG" "$log"; then
    say "base     $BASE_TAG pulled ($BASE_OFFICIAL) in $(since "$t0")"
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "building the base image $BASE_TAG needs root (debootstrap); run: sudo $0"
  if ! command -v debootstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "building $BASE_TAG needs debootstrap, and apt-get is missing to install it"
    say "installing debootstrap from Debian's packages (to build $BASE_TAG)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >"$log" 2>&1 \
      || { apt-get update -qq >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >>"$log" 2>&1; } \
      || die "could not install debootstrap (log: $log)"
  fi
  dir="$(mktemp -d /var/tmp/dind-compose-base.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$dir'" EXIT
  say "base     debootstrap --variant=minbase trixie from $MIRROR (log: $log)"
  debootstrap --variant=minbase --components=main trixie "$dir" "$MIRROR" >>"$log" 2>&1 \
    || die "debootstrap of trixie into $dir failed (log: $log)"
  # Updates and security fixes as well; no caches, docs or translations in
  # images built on top (the same settings as Debian's official slim images).
  rm -f "$dir/etc/apt/sources.list"
  cat >"$dir/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
APT::Install-Recommends "false";
EOF
  cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log \
    "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/locale/*
  : >"$dir/etc/hostname"
  : >"$dir/etc/resolv.conf"
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'LABEL org.opencontainers.image.description="Debian 13 (trixie) minbase from debootstrap, for dind-compose local builds" io.dind-compose.built-from="debian-13-packages"' \
    --message "debootstrap --variant=minbase trixie $MIRROR" \
    - "$BASE_TAG" >>"$log" 2>&1 || die "docker import of the trixie base failed (log: $log)"
  rm -rf "$dir"
  trap - EXIT
  say "base     $BASE_TAG built (debootstrap) in $(since "$t0")"
}

# --- one image ----------------------------------------------------------------
ensure_image() {
  local name=$1 tag=${TAG[$1]} official=${OFFICIAL[$1]} ctx="$IMAGES_DIR/$1"
  local t0 hash have log
  t0="$(now)"
  log="$LOG_DIR/images-$name.log"
  [[ -f "$ctx/Dockerfile" ]] || die "$ctx/Dockerfile is missing"
  hash="$(context_hash "$ctx")"
  if ((!force)) && image_exists "$tag"; then
    have="$(image_label "$tag" "$HASH_LABEL")"
    if [[ -z "$have" ]]; then
      say "$(printf '%-8s' "$name") $tag present (not a local build: official or your own)"
      return 0
    fi
    if [[ "$have" == "$hash" ]]; then
      say "$(printf '%-8s' "$name") $tag present (local build, context unchanged)"
      return 0
    fi
    say "$(printf '%-8s' "$name") $tag: scripts/images/$name changed since it was built; rebuilding"
  fi
  if try_pull "$official" "$tag" "$log"; then
    say "$(printf '%-8s' "$name") $tag pulled ($official) in $(since "$t0")"
    return 0
  fi
  ensure_base
  t0="$(now)"
  local build=(docker build --force-rm --label "$HASH_LABEL=$hash" -t "$tag")
  # --force means fresh packages, not the layer cache of the last build.
  ((force)) && build+=(--no-cache)
  build+=("$ctx")
  if [[ "${DIND_COMPOSE_VERBOSE:-0}" == 1 ]]; then
    "${build[@]}" || die "building $tag ($name) from $ctx failed"
  elif ! "${build[@]}" >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    die "building $tag ($name) from scripts/images/$name failed (full log: $log)"
  fi
  say "$(printf '%-8s' "$name") $tag built from Debian packages in $(since "$t0") ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
}

t_all="$(now)"
for n in "${wanted[@]}"; do ensure_image "$n"; done
# Replaced builds and build-only stages leave untagged images of ours behind.
docker image prune -f --filter label=io.dind-compose.built-from >/dev/null 2>&1 || true
say "done in $(since "$t_all")"
