#!/usr/bin/env bash
# Makes a Docker engine available to this project.
#
# A reachable daemon (`docker info` answers) is used as it is: nothing on such
# a machine is changed. Otherwise, on a Debian host as root, this installs
# Debian's docker.io, starts dockerd in the background and waits for it.
# Where the kernel's capability bounding set lacks CAP_SYS_RESOURCE (some VMs),
# `--privileged` containers fail with "unable to apply caps", and dind needs
# them: a small runc wrapper that drops that one capability from the OCI spec
# is installed and registered as the default runtime.
#
# Idempotent: a second run finds the daemon answering and returns at once.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

usage() {
  cat <<'EOF'
usage: scripts/engine.sh [-h|--help]

Ensures a Docker daemon answers `docker info`. Uses a running one untouched;
otherwise installs docker.io from Debian's packages (root, Debian, apt),
adds a runc wrapper when the capability bounding set lacks CAP_SYS_RESOURCE,
and starts dockerd in the background (log: /var/log/dind-compose-dockerd.log).

Environment:
  DIND_COMPOSE_ENGINE_TIMEOUT  seconds to wait for dockerd to answer (default 60)
EOF
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

readonly WRAPPER=/usr/local/libexec/dind-compose/runc-wrapper
readonly RUNTIME_NAME=dind-compose-runc
readonly DAEMON_JSON=/etc/docker/daemon.json
readonly DOCKERD_LOG=/var/log/dind-compose-dockerd.log
readonly TIMEOUT="${DIND_COMPOSE_ENGINE_TIMEOUT:-60}"
readonly CAP_SYS_RESOURCE=24

say() { printf 'engine: %s\n' "$*"; }
die() { printf 'engine: error: %s\n' "$*" >&2; exit 1; }

server_version() {
  timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null
}

# --- 1. A daemon that already answers is used as it is. ---------------------
if command -v docker >/dev/null 2>&1 && timeout 15 docker info >/dev/null 2>&1; then
  say "using the running Docker daemon (server $(server_version || echo '?'), ${DOCKER_HOST:-default socket}); nothing changed"
  # A local daemon on such a kernel without a wrapper cannot run dind: say so, change nothing.
  capbnd="$(awk '/^CapBnd:/ {print $2}' /proc/self/status 2>/dev/null || true)"
  if [[ -n "$capbnd" && "${DOCKER_HOST:-unix://}" == unix://* ]] && ! (( (16#$capbnd >> CAP_SYS_RESOURCE) & 1 )) \
    && [[ "$(timeout 10 docker info --format '{{.DefaultRuntime}}' 2>/dev/null)" == runc ]]; then
    say "warning: this kernel's capability bounding set lacks CAP_SYS_RESOURCE and the daemon's default runtime is plain runc: privileged (dind) containers will fail with 'unable to apply caps'"
  fi
  exit 0
fi

# --- 2. Otherwise we install one, which needs root on Debian with apt. -------
if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != unix:///var/run/docker.sock && "${DOCKER_HOST}" != unix:///run/docker.sock ]]; then
  die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine, or unset DOCKER_HOST to let this script run a local one"
fi
[[ "$(id -u)" == 0 ]] || die "no Docker daemon answers and installing one needs root (run: sudo $0), or start your own Docker engine"
[[ -r /etc/debian_version ]] || die "no Docker daemon answers and this is not a Debian host (no /etc/debian_version); install and start Docker yourself"
command -v apt-get >/dev/null 2>&1 || die "no Docker daemon answers and apt-get is missing; install and start Docker yourself"

actions=()

# Packages, by the command each one provides.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v jq >/dev/null 2>&1 || missing+=(jq)
if ! command -v docker >/dev/null 2>&1; then
  # Debian 13 ships the client separately; Debian 12's docker.io includes it.
  if apt-cache show docker-cli >/dev/null 2>&1; then missing+=(docker-cli); else missing+=(docker.io); fi
fi
if ((${#missing[@]})); then
  say "installing ${missing[*]} from Debian's packages (no daemon answered)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed; check the Debian mirror in /etc/apt/sources.list*"
  # shellcheck disable=SC2046
  apt-get install -y -qq --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" ca-certificates xz-utils | sort -u) >/dev/null \
    || die "apt-get install ${missing[*]} failed (see the output above)"
  actions+=("installed ${missing[*]}")
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd is still missing after installing docker.io"
RUNC="$(command -v runc)" || die "runc is missing (docker.io should have pulled it in)"

# --- 3. The runc wrapper, only where the bounding set lacks the capability. --
capbnd="$(awk '/^CapBnd:/ {print $2}' /proc/self/status)"
config_changed=0
if (( (16#$capbnd >> CAP_SYS_RESOURCE) & 1 )); then
  say "capability bounding set ($capbnd) includes CAP_SYS_RESOURCE: plain runc is enough"
else
  say "capability bounding set ($capbnd) lacks CAP_SYS_RESOURCE: privileged containers need the runc wrapper"
  wrapper_src="$(cat <<EOF
#!/bin/bash
# dind-compose runc wrapper (written by scripts/engine.sh).
# This machine's capability bounding set lacks CAP_SYS_RESOURCE, so runc cannot
# grant it and \`--privileged\` containers (which ask for every capability)
# fail with "unable to apply caps". Drop that one capability from the OCI spec
# and hand over to the real runc. The spec is <bundle>/config.json for
# create/run and the file given with --process for exec.
set -uo pipefail
readonly REAL_RUNC=$RUNC
readonly FILTER='def strip: if type == "object" then with_entries(.value |= (if type == "array" then map(select(. != "CAP_SYS_RESOURCE")) else . end)) else . end;
  (if (.process? | type) == "object" and .process.capabilities then .process.capabilities |= strip else . end)
  | (if .capabilities? then .capabilities |= strip else . end)'

strip_caps() {
  local spec=\$1 tmp
  [[ -f "\$spec" ]] && grep -q CAP_SYS_RESOURCE "\$spec" || return 0
  tmp="\$(mktemp "\$spec.XXXXXX")" || return 0
  if jq -c "\$FILTER" "\$spec" >"\$tmp"; then
    cat "\$tmp" >"\$spec"
  else
    echo "runc-wrapper: could not edit \$spec; leaving it as it is" >&2
  fi
  rm -f "\$tmp"
}

# Find the subcommand after runc's global options, then its spec file.
cmd="" bundle="" process=""
args=("\$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  a=\${args[i]}
  if [[ -z "\$cmd" ]]; then
    case "\$a" in
      --root | --log | --log-format | --criu | --rootless) ((i++)) ;;
      -*) ;;
      *) cmd=\$a ;;
    esac
    continue
  fi
  case "\$a" in
    --bundle | -b) bundle=\${args[i + 1]:-} ;;
    --bundle=*) bundle=\${a#--bundle=} ;;
    --process | -p) process=\${args[i + 1]:-} ;;
    --process=*) process=\${a#--process=} ;;
  esac
done
case "\$cmd" in
  create | run) strip_caps "\${bundle:-.}/config.json" ;;
  exec) [[ -n "\$process" ]] && strip_caps "\$process" ;;
esac
exec "\$REAL_RUNC" "\$@"
EOF
)"
  if [[ "$(cat "$WRAPPER" 2>/dev/null)" != "$wrapper_src" ]]; then
    mkdir -p "$(dirname "$WRAPPER")"
    printf '%s\n' "$wrapper_src" >"$WRAPPER.tmp"
    chmod 0755 "$WRAPPER.tmp"
    mv "$WRAPPER.tmp" "$WRAPPER"
    actions+=("wrote $WRAPPER (drops CAP_SYS_RESOURCE, then runs $RUNC)")
    config_changed=1
  fi
  # Merge into an existing daemon.json rather than replace it.
  mkdir -p "$(dirname "$DAEMON_JSON")"
  current='{}'
  if [[ -s "$DAEMON_JSON" ]]; then
    current="$(jq . "$DAEMON_JSON")" || die "$DAEMON_JSON is not valid JSON; fix or remove it"
  fi
  wanted="$(jq --arg name "$RUNTIME_NAME" --arg path "$WRAPPER" \
    '.runtimes = ((.runtimes // {}) + {($name): {path: $path}}) | .["default-runtime"] = $name' <<<"$current")"
  if [[ "$(jq -S . <<<"$current")" != "$(jq -S . <<<"$wanted")" ]]; then
    if [[ -s "$DAEMON_JSON" ]]; then cp "$DAEMON_JSON" "$DAEMON_JSON.dind-compose.bak"; fi
    printf '%s\n' "$wanted" >"$DAEMON_JSON"
    actions+=("registered runtime $RUNTIME_NAME as default-runtime in $DAEMON_JSON")
    config_changed=1
  fi
fi

# --- 4. Start (or restart) dockerd and wait for it. --------------------------
dockerd_pid() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
  if ((config_changed)); then
    systemctl restart docker || die "systemctl restart docker failed (see: journalctl -u docker)"
    actions+=("restarted docker.service (configuration changed)")
  else
    systemctl start docker || die "systemctl start docker failed (see: journalctl -u docker)"
    actions+=("started docker.service")
  fi
else
  if pid="$(dockerd_pid)" && ((config_changed)); then
    say "stopping dockerd (pid $pid) to apply the new configuration"
    kill "$pid"
    for ((i = 0; i < TIMEOUT; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "dockerd (pid $pid) did not stop within ${TIMEOUT}s"
  fi
  if pid="$(dockerd_pid)"; then
    say "dockerd (pid $pid) is running but not answering yet; waiting for it"
  else
    # setsid: its own session, so it outlives the caller's shell and job control.
    setsid -f "$(command -v dockerd)" >>"$DOCKERD_LOG" 2>&1 </dev/null
    actions+=("started dockerd in the background (log: $DOCKERD_LOG)")
  fi
fi

for ((i = 0; i < TIMEOUT * 2; i++)); do
  timeout 5 docker info >/dev/null 2>&1 && break
  sleep 0.5
done
if ! timeout 5 docker info >/dev/null 2>&1; then
  tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
  die "dockerd did not answer within ${TIMEOUT}s (log: $DOCKERD_LOG)"
fi

for a in "${actions[@]}"; do say "$a"; done
say "Docker daemon ready (server $(server_version || echo '?'))"
