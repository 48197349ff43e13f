#!/bin/sh
# dind-compose runner: brings one compose project up in its own Docker daemon
# and keeps it there. It runs as the runner container's entrypoint, under
# Docker's init (PID 1, which forwards signals to it).
#
#   1. waits (bounded) for the daemon to answer, and (the first time) for
#      `pulumi up` to have loaded the host's images into it: its readiness
#      check creates images-loaded beside the status file then;
#   2. `docker compose up --detach --build --remove-orphans`, which also
#      enforces depends_on conditions, then waits (bounded) until every
#      service container is running (and healthy, if it has a health check)
#      or has exited 0, as a one-shot installer or migration does;
#   3. follows the project's logs, so `docker logs <runner>` shows them;
#      when the daemon goes away it waits for it and starts again at 1.
#
# A failed attempt stays failed: compose is not re-run (that would re-run
# one-shot services) until SIGUSR1 asks for a new attempt, which the
# readiness check of the next `pulumi up` sends. SIGUSR2 says the compose
# model changed (`pulumi up` after an edit): a new attempt runs compose up
# again, at once when the project is up or failed, else right after the
# attempt under way (which may have read the files before the edit), so the
# container need not be replaced for an edit. SIGTERM/SIGINT end it at
# once in every state: long commands run in the background so the traps run
# while the shell waits for them.
#
# Every input comes from the environment (lib/runnerScript.ts):
#   DC_PROJECT          the project, for messages
#   DC_STATUS_FILE      where to report (format: lib/runnerStatus.ts)
#   DC_DAEMON_SECONDS   bounded wait for the daemon
#   DC_COMPOSE_SECONDS  bounded wait for compose up and then the services
# and compose reads COMPOSE_PROJECT_NAME, COMPOSE_FILE and COMPOSE_PROFILES
# itself; the Docker CLI reads its client certificate from DOCKER_CERT_PATH,
# which this script first lays out from the bundle uploaded there. POSIX sh:
# the image's /bin/sh may be dash or busybox.
set -u

project=${DC_PROJECT:?DC_PROJECT must name the compose project}
status_file=${DC_STATUS_FILE:?DC_STATUS_FILE must name the status file}
daemon_seconds=${DC_DAEMON_SECONDS:?DC_DAEMON_SECONDS must be a number of seconds}
compose_seconds=${DC_COMPOSE_SECONDS:?DC_COMPOSE_SECONDS must be a number of seconds}
daemon_host=${DOCKER_HOST:-unix:///var/run/docker.sock}

for seconds in "$daemon_seconds" "$compose_seconds"; do
  case $seconds in
    '' | *[!0-9]*) echo "dind-compose[$project]: DC_DAEMON_SECONDS and DC_COMPOSE_SECONDS must be whole numbers of seconds" >&2; exit 2 ;;
  esac
done

# split_tls_bundle DIR: DIR/bundle.pem, as `pulumi up` uploads it
# (components/projectTls.ts: the certificate this side trusts, its own certificate,
# its key), into the ca.pem, cert.pem and key.pem Docker reads in DIR.
split_tls_bundle() {
  [ -f "$1/bundle.pem" ] || return 0
  (umask 077 && awk -v dir="$1" '/^-----BEGIN CERTIFICATE-----/ { certs++ } /^-----BEGIN / { out = dir "/" ($0 ~ /CERTIFICATE/ ? (certs == 1 ? "ca" : "cert") : "key") ".pem" } out != "" { print > out }' "$1/bundle.pem")
}
if ! split_tls_bundle "${DOCKER_CERT_PATH:-}"; then
  echo "dind-compose[$project]: could not lay out the client certificate in $DOCKER_CERT_PATH" >&2
  exit 1
fi

# Scratch files (command output) live beside the status file.
work_dir=$(dirname "$status_file")
mkdir -p "$work_dir" || exit 1

# Created by `pulumi up` once the host's images are in the daemon (RUNNER_IMAGES_LOADED_FILE).
images_file="$work_dir/images-loaded"

state=
attempt=0
retry_requested=0
# Set by SIGUSR2: the compose model changed, so this attempt is not the last.
again=0
# Background processes the traps must stop.
child=
watchdog=
phase_watcher=
sleeper=
logs_pid=
tee_pid=

say() { printf 'dind-compose[%s]: %s\n' "$project" "$*"; }
now() { date +%s; }

# report STATE [DETAIL]: replace the status file atomically. The words and
# the format are lib/runnerStatus.ts's; DETAIL (one line) says what exactly,
# and is the reason of a failure.
report() {
  state=$1
  line=$1
  detail=$(printf '%s' "${2:-}" | tr '\r\n' '  ')
  if [ "$1" = failed ] || [ -n "$detail" ]; then
    line="$1: $detail"
  fi
  printf '%s\nattempt %s\n' "$line" "$attempt" >"$status_file.tmp" && mv -f "$status_file.tmp" "$status_file"
}

# The attempt number in an existing status file: a restarted container keeps
# counting, so a reader never mistakes an old result for a new one.
previous_attempt() {
  n=$(sed -n 's/^attempt \([0-9][0-9]*\)$/\1/p' "$status_file" 2>/dev/null)
  echo "${n:-0}"
}

stop_children() {
  for pid in $child $watchdog $phase_watcher $sleeper $logs_pid $tee_pid; do
    kill -TERM "$pid" 2>/dev/null
  done
}

on_stop() {
  trap - TERM INT
  say "stopping (attempt $attempt, ${state:-starting up})"
  stop_children
  exit 0
}

# A retry only makes sense after a failure; otherwise an attempt is already
# under way or up, and its result is what the sender will see.
on_retry_request() {
  if [ "$state" = failed ]; then
    retry_requested=1 # pause() sees it and returns
  else
    say "ignoring a retry request: attempt $attempt is ${state:-starting up}"
  fi
}

# The compose model changed: whatever this attempt's outcome, another one
# follows; a project that is up or failed (idle, waiting in pause) starts it now.
on_model_change() {
  again=1
  case $state in
    ok | failed) retry_requested=1 ;;
  esac
}

trap on_stop TERM INT
trap on_retry_request USR1
trap on_model_change USR2

# await PID: wait for a background process. A trap that does not end the
# script (USR1) interrupts `wait` too; that is not the process ending.
await() {
  while :; do
    wait "$1"
    rc=$?
    if [ "$rc" -gt 128 ] && kill -0 "$1" 2>/dev/null; then
      continue
    fi
    return "$rc"
  done
}

# pause SECONDS: sleep, but return at once when a retry has been requested
# (the USR1 trap interrupts `wait`; a request that came just before is seen
# by the check).
pause() {
  sleep "$1" &
  sleeper=$!
  while [ "$retry_requested" = 0 ]; do
    wait "$sleeper"
    if [ "$?" -le 128 ] || ! kill -0 "$sleeper" 2>/dev/null; then break; fi
  done
  kill -TERM "$sleeper" 2>/dev/null
  sleeper=
}

# expire_after SECONDS PID: TERM the process when it outlives SECONDS. It
# also ends by itself once the process is gone, because a TERM sent to it
# right after its fork can be lost (busybox's sh may not have reset the trap
# it inherited yet).
expire_after() {
  n=0
  while kill -0 "$2" 2>/dev/null; do
    if [ "$n" -ge "$1" ]; then
      kill -TERM "$2" 2>/dev/null
      return
    fi
    sleep 1
    n=$((n + 1))
  done
}

# finish_within SECONDS: wait for the background command $child, stopping it
# after SECONDS; its exit status.
finish_within() {
  expire_after "$1" "$child" </dev/null >/dev/null 2>&1 &
  watchdog=$!
  await "$child"
  run_status=$?
  kill -TERM "$watchdog" 2>/dev/null
  child=
  watchdog=
  return "$run_status"
}

# run_for SECONDS COMMAND...: run an external command in the background
# (never a function: TERM would stop the subshell but not what it runs),
# stopping it after SECONDS; its exit status.
run_for() {
  limit=$1
  shift
  "$@" &
  child=$!
  finish_within "$limit"
}

# Seconds until DEADLINE, at least 1 and at most CAP.
seconds_left() {
  left=$(($1 - $(now)))
  if [ "$left" -lt 1 ]; then left=1; fi
  if [ "$#" -gt 1 ] && [ "$left" -gt "$2" ]; then left=$2; fi
  echo "$left"
}

daemon_answers() {
  run_for "${1:-10}" docker version --format '{{.Server.Version}}' >"$work_dir/daemon.out" 2>&1
}

# Indented last lines of FILE, for messages.
quote_tail() {
  tail -n "$2" "$1" 2>/dev/null | sed 's/^/    /'
}

# The last non-blank line of FILE, trimmed, at most 300 characters.
last_line() {
  sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" 2>/dev/null | tail -n 1 | cut -c 1-300
}

wait_for_daemon() {
  report waiting-for-daemon
  deadline=$(($(now) + daemon_seconds))
  say "waiting for the daemon at $daemon_host (up to ${daemon_seconds}s)"
  until daemon_answers "$(seconds_left "$deadline" 10)"; do
    if [ "$(now)" -ge "$deadline" ]; then
      return 1
    fi
    pause 1
  done
  say "daemon $daemon_host answers (server $(cat "$work_dir/daemon.out"))"
}

# Until `pulumi up` says the host's images are in the daemon: compose must
# find them there before it looks anywhere else. Not bounded here: `pulumi up`
# bounds the loading and reports its failure itself; the file stays, so a
# restarted container or a later attempt does not wait again.
wait_for_images() {
  if [ -e "$images_file" ]; then return 0; fi
  report waiting-for-images
  say "waiting for pulumi up to load the host's images into the daemon"
  while [ ! -e "$images_file" ]; do
    pause 0.1
  done
}

# After a daemon timeout: stay failed, but start a new attempt as soon as the
# daemon answers, a retry is requested or the compose model changed.
wait_for_daemon_or_retry() {
  while [ "$retry_requested" = 0 ] && [ "$again" = 0 ]; do
    pause 2
    if [ "$retry_requested" = 0 ] && daemon_answers; then
      say "daemon $daemon_host answers now"
      return
    fi
  done
}

wait_for_retry() {
  say "not retrying by itself (that would re-run one-shot services): run pulumi up again, or docker kill --signal USR1 $(cat /etc/hostname 2>/dev/null || echo '<this runner>')"
  while [ "$retry_requested" = 0 ]; do
    pause 3600
  done
}

# compose_phase FILE: what compose up is doing, from the last of its progress
# lines in FILE that tells: "pulling SERVICE" (" web Pulling"; newer compose
# says "Image IMAGE Pulling"), "building SERVICE" (BuildKit's "#N [SERVICE
# step]" lines) or "starting CONTAINER"; nothing before the first.
compose_phase() {
  sed -n \
    -e '/^#[0-9]* \[internal\]/d' \
    -e 's/^#[0-9]* \[\([^] ]*\)[] ].*/building \1/p' \
    -e 's/^ *\([^ ]*\) *Pulling *$/pulling \1/p' \
    -e 's/^ *Image \([^ ]*\) *Pulling *$/pulling \1/p' \
    -e 's/^ *Container \([^ ]*\) .*/starting \1/p' \
    "$1" 2>/dev/null | tail -n 1
}

# watch_phase FILE PID: while PID (compose up) runs, report the phase its
# output in FILE shows whenever it changes. It ends by itself once PID is
# gone (see expire_after for why it does not rely on TERM alone); TERM ends
# it at once and quietly (a job killed by a signal would be announced in the
# log), its pause included.
watch_phase() {
  nap=
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  last=
  while kill -0 "$2" 2>/dev/null; do
    phase=$(compose_phase "$1")
    if [ -n "$phase" ] && [ "$phase" != "$last" ]; then
      last=$phase
      case $phase in
        pulling\ *) report pulling "${phase#* }" ;;
        building\ *) report building "${phase#* }" ;;
        starting\ *) report starting "${phase#* }" ;;
      esac
    fi
    sleep 0.5 &
    nap=$!
    wait "$nap"
  done
}

# compose up, with its output where it always goes (the runner's log) and its
# stderr also kept, so the failure reason can quote compose's own last words
# and the status can say what it is doing meanwhile.
compose_up() {
  err_log=$work_dir/compose-up.err
  fifo=$work_dir/compose-up.fifo
  rm -f "$fifo" "$err_log"
  mkfifo "$fifo" || return 1
  tee "$err_log" <"$fifo" >&2 &
  tee_pid=$!
  say "docker compose up --detach --build --remove-orphans (${COMPOSE_FILE:-compose file of $PWD})"
  # The redirection is the command's own, not run_for's: a function's
  # redirection would be inherited (as a saved descriptor) by the watchdog,
  # holding the pipe open and tee waiting.
  docker compose up --detach --build --remove-orphans 2>"$fifo" &
  child=$!
  watch_phase "$err_log" "$child" </dev/null >/dev/null 2>&1 &
  phase_watcher=$!
  finish_within "$1"
  up_status=$?
  # The watcher's last report must land before this attempt's next one.
  kill -TERM "$phase_watcher" 2>/dev/null
  await "$phase_watcher"
  phase_watcher=
  await "$tee_pid"
  tee_pid=
  rm -f "$fifo"
  return "$up_status"
}

# judge_services FILE: read lines of the service containers ("ID SERVICE
# STATE [HEALTH] EXITCODE"; HEALTH is empty without a health check, as
# `docker compose ps` and `docker inspect` print it) and set verdict to
# ready, pending or failed, with the service and why in service and why.
judge_services() {
  verdict=ready
  service=
  why=
  while read -r line; do
    set -f
    # shellcheck disable=SC2086 # split the line into its fields
    set -- $line
    set +f
    case $# in
      4) name=$2 cstate=$3 health='' code=$4 ;;
      5) name=$2 cstate=$3 health=$4 code=$5 ;;
      *) continue ;;
    esac
    case $cstate:$health in
      exited:*)
        if [ "$code" != 0 ]; then
          verdict=failed service=$name why="service $name exited with code $code"
          return
        fi ;;
      dead:*)
        verdict=failed service=$name why="service $name is dead (exit code $code)"
        return ;;
      running:unhealthy)
        verdict=failed service=$name why="service $name is unhealthy"
        return ;;
      running: | running:healthy) ;;
      running:*)
        if [ "$verdict" = ready ]; then verdict=pending service=$name why="its health check is $health"; fi ;;
      restarting:*)
        if [ "$verdict" = ready ]; then verdict=pending service=$name why="it keeps restarting (last exit code $code)"; fi ;;
      *)
        if [ "$verdict" = ready ]; then verdict=pending service=$name why="it is $cstate"; fi ;;
    esac
  done <"$1"
}

show_service_logs() {
  say "last log lines of service $1:"
  run_for 15 docker compose logs --no-color --tail 20 "$1"
}

# One line per service container, as judge_services reads them, from compose
# ps and from docker inspect (test/engine/runnerLooks.test.ts holds the two
# to the same answer for the same containers).
ps_format='{{.ID}} {{.Service}} {{.State}} {{.Health}} {{.ExitCode}}'
inspect_format='{{.Id}} {{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{end}} {{.State.ExitCode}}'

# The project's containers, as `docker compose ps` sees them, into ps.out.
look_at_services() {
  run_for "$(seconds_left "$deadline" 30)" docker compose ps --all --format "$ps_format" >"$work_dir/ps.out" 2>"$work_dir/ps.err"
}

# The same containers again, inspected directly: what compose ps would say
# of them at a fraction of its cost (it loads the whole project first).
look_again_at_services() {
  ids=$(cut -d ' ' -f 1 "$work_dir/ps.out")
  if [ -z "$ids" ]; then return 0; fi
  set -f
  # shellcheck disable=SC2086 # one argument per ID
  set -- $ids
  set +f
  run_for "$(seconds_left "$deadline" 30)" docker inspect --format "$inspect_format" "$@" >"$work_dir/ps.out" 2>"$work_dir/ps.err"
}

# Until every service container is up or done. Ready must hold on two looks
# in a row, so a container that crashes right after starting is not "up":
# the second, at the same containers, comes a quarter second after the
# first, so it ends about half a second after compose up returned. While a
# service is pending, looks are half a second apart.
wait_for_services() {
  report waiting-for-services
  ready_polls=0
  while :; do
    # The second look falls back to compose ps when inspecting fails (a container went away meanwhile).
    if { [ "$ready_polls" = 1 ] && look_again_at_services; } || look_at_services; then
      judge_services "$work_dir/ps.out"
    else
      verdict=pending service='' why="docker compose ps failed (exit code $?) $(last_line "$work_dir/ps.err")"
    fi
    case $verdict in
      failed)
        report failed "$why"
        say "$why"
        show_service_logs "$service"
        return 1 ;;
      ready)
        ready_polls=$((ready_polls + 1))
        if [ "$ready_polls" -ge 2 ]; then return 0; fi ;;
      *)
        ready_polls=0
        report waiting-for-services "${service:+$service: }$why" ;;
    esac
    if [ "$(now)" -ge "$deadline" ]; then
      if [ -n "$service" ]; then
        why="service $service is not up within ${compose_seconds}s: $why"
      else
        why="services not up within ${compose_seconds}s: $why"
      fi
      report failed "$why"
      say "$why"
      if [ -n "$service" ]; then show_service_logs "$service"; fi
      return 1
    fi
    if [ "$ready_polls" = 1 ]; then pause 0.25; else pause 0.5; fi
  done
}

bring_up() {
  report starting
  deadline=$(($(now) + compose_seconds))
  compose_up "$compose_seconds"
  up_status=$?
  if [ "$up_status" != 0 ]; then
    if [ "$(now)" -ge "$deadline" ]; then
      why="docker compose up did not finish within ${compose_seconds}s"
    else
      why="docker compose up exited with code $up_status"
      said=$(last_line "$err_log")
      if [ -n "$said" ]; then why="$why: $said"; fi
    fi
    report failed "$why"
    say "$why"
    return 1
  fi
  wait_for_services
}

# Follow the project's logs until the daemon goes away: its log stream ends
# then, and a probe every few seconds catches a connection that hangs.
follow_logs() {
  docker compose logs --follow --no-color --since 1s &
  logs_pid=$!
  ticks=0
  while :; do
    pause 1
    if [ "$retry_requested" = 1 ]; then break; fi
    ticks=$((ticks + 1))
    if ! kill -0 "$logs_pid" 2>/dev/null || [ "$ticks" -ge 5 ]; then
      ticks=0
      daemon_answers || break
    fi
  done
  kill -TERM "$logs_pid" 2>/dev/null
  await "$logs_pid"
  logs_pid=
}

attempt=$(previous_attempt)
while :; do
  attempt=$((attempt + 1))
  retry_requested=0
  again=0
  if ! wait_for_daemon; then
    report failed "daemon $daemon_host did not answer within ${daemon_seconds}s"
    say "the daemon at $daemon_host did not answer within ${daemon_seconds}s; the last attempt said:"
    quote_tail "$work_dir/daemon.out" 3
    wait_for_daemon_or_retry
    continue
  fi
  wait_for_images
  if bring_up; then
    report ok
    if [ "$again" = 1 ]; then
      say "compose project is up (attempt $attempt), but its compose model changed meanwhile"
      continue
    fi
    say "compose project is up (attempt $attempt); following its logs"
    follow_logs
    if [ "$again" = 1 ]; then
      say "the compose model changed: running compose up again"
    else
      say "lost the daemon at $daemon_host; waiting for it to come back"
    fi
  elif [ "$again" = 0 ]; then
    wait_for_retry
  fi
done
