#!/usr/bin/env bash
# End-to-end check of the stack's images with plain `docker` commands: the
# same wiring the Pulumi program builds, by hand, so a failure here points at
# an image or the engine rather than at the program.
#
#   registry  (TLS, own CA)  seeded from the host with busybox:1.37
#   daemon    privileged dind, dockerd --tlsverify on :2376, volume on
#             /var/lib/docker, the registry as an https --registry-mirror
#   runner    docker compose up --build over TLS, the project bind-mounted at
#             the same absolute path in runner and daemon
#   probe     reaches the published port at <daemon-name>:<port>
#   proxy     nginx routes by Host to it; curl from the host on 127.0.0.1
#
# Traffic stays on this machine: 127.0.0.1 and the test's own containers.
# Everything it creates is removed at the end, also on failure
# (KEEP=1 keeps it for a look).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"

usage() { echo "usage: scripts/images/smoke-test.sh   (needs scripts/engine.sh and scripts/images.sh first)"; }
case "${1:-}" in -h | --help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

readonly P=dind-compose-smoke
readonly NET=$P-net DAEMON=$P-daemon RUNNER=$P-runner REGISTRY=$P-registry PROXY=$P-proxy VOLUME=$P-daemon-data
readonly DAEMON_IMAGE=dind-compose/daemon:26.1.5 RUNNER_IMAGE=dind-compose/runner:26.1.5
readonly PROXY_IMAGE=dind-compose/proxy:1.26.3 REGISTRY_IMAGE=dind-compose/registry:2.8.3
readonly BUSYBOX=busybox:1.37
readonly ROUTE_HOST=smoke.project.localhost

say() { printf 'smoke: %s\n' "$*"; }
fail() {
  printf 'smoke: FAILED: %s\n' "$*" >&2
  for c in "$DAEMON" "$RUNNER" "$REGISTRY" "$PROXY"; do
    docker inspect "$c" >/dev/null 2>&1 || continue
    printf -- '--- last log lines of %s\n' "$c" >&2
    docker logs --tail 25 "$c" 2>&1 | sed 's/^/  /' >&2
  done
  exit 1
}
step_t0=0
step() { step_t0=$(date +%s.%N); say "$*"; }
took() { awk -v a="$step_t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }

cleanup() {
  if [[ "${KEEP:-0}" == 1 ]]; then say "KEEP=1: leaving containers, $NET, $VOLUME and $WORK"; return; fi
  docker rm -fv "$RUNNER" "$DAEMON" "$PROXY" "$REGISTRY" "$P-probe" >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  docker volume rm "$VOLUME" >/dev/null 2>&1 || true
  [[ -z "${REG_PUSH_TAG:-}" ]] || docker rmi "$REG_PUSH_TAG" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

for img in "$DAEMON_IMAGE" "$RUNNER_IMAGE" "$PROXY_IMAGE" "$REGISTRY_IMAGE" "$BUSYBOX"; do
  docker image inspect "$img" >/dev/null 2>&1 || fail "$img is missing: run scripts/images.sh"
done

# Leftovers of an interrupted earlier run.
docker rm -fv "$RUNNER" "$DAEMON" "$PROXY" "$REGISTRY" "$P-probe" >/dev/null 2>&1 || true
docker network rm "$NET" >/dev/null 2>&1 || true
docker volume rm "$VOLUME" >/dev/null 2>&1 || true

WORK="$(mktemp -d /tmp/$P.XXXXXX)"
trap cleanup EXIT
t_all=$(date +%s.%N)

# --- throwaway PKI: one CA, a server cert for the daemon and the registry, a client cert.
step "certificates (openssl, throwaway CA in $WORK/pki)"
pki=$WORK/pki
mkdir -p "$pki"/{server,client,registry}
(
  cd "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj "/CN=$P CA" 2>/dev/null
  issue() { # dir cn extensions
    openssl req -newkey rsa:2048 -nodes -keyout "$1/key.pem" -out "$1/csr.pem" -subj "/CN=$2" 2>/dev/null
    printf '%s\n' "$3" >"$1/ext.cnf"
    openssl x509 -req -in "$1/csr.pem" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
      -out "$1/cert.pem" -extfile "$1/ext.cnf" 2>/dev/null
    cp ca.pem "$1/ca.pem"
    chmod 0644 "$1/key.pem"
  }
  issue server "$DAEMON" "subjectAltName=DNS:$DAEMON,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
  issue client "$RUNNER" "extendedKeyUsage=clientAuth"
  issue registry "$REGISTRY" "subjectAltName=DNS:$REGISTRY,DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
)

step "network $NET, volume $VOLUME"
docker network create "$NET" >/dev/null
docker volume create "$VOLUME" >/dev/null

# --- registry mirror: TLS through REGISTRY_HTTP_TLS_* overrides, seeded from the host.
step "registry $REGISTRY (TLS via REGISTRY_HTTP_TLS_*), seeded with $BUSYBOX"
docker create --name "$REGISTRY" --network "$NET" -p 127.0.0.1::5000 \
  -e REGISTRY_HTTP_TLS_CERTIFICATE=/certs/cert.pem -e REGISTRY_HTTP_TLS_KEY=/certs/key.pem \
  "$REGISTRY_IMAGE" >/dev/null
docker cp "$pki/registry/." "$REGISTRY:/certs"
docker start "$REGISTRY" >/dev/null
reg_port="$(docker port "$REGISTRY" 5000/tcp | head -n1 | sed 's/.*://')"
for _ in $(seq 1 30); do
  curl -fsS --cacert "$pki/ca.pem" "https://127.0.0.1:$reg_port/v2/" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS --cacert "$pki/ca.pem" "https://127.0.0.1:$reg_port/v2/" >/dev/null || fail "registry does not answer on https://127.0.0.1:$reg_port/v2/"
# 127.0.0.0/8 is an insecure registry by default: the host's engine pushes
# without trusting our CA.
REG_PUSH_TAG="127.0.0.1:$reg_port/library/$BUSYBOX"
docker tag "$BUSYBOX" "$REG_PUSH_TAG"
docker push -q "$REG_PUSH_TAG" >/dev/null || fail "docker push $REG_PUSH_TAG"
curl -fsS --cacert "$pki/ca.pem" "https://127.0.0.1:$reg_port/v2/library/busybox/tags/list" | grep -q '"1.37"' \
  || fail "busybox:1.37 not listed in the registry after the push"
say "  registry ready, busybox pushed ($(took))"

# --- the project, mounted at the same absolute path everywhere.
proj=$WORK/project
mkdir -p "$proj/web" "$proj/site"
cat >"$proj/compose.yaml" <<'EOF'
services:
  web:
    build: ./web
    ports:
      - "8080:80"
    volumes:
      - ./site:/var/www:ro
EOF
cat >"$proj/web/Dockerfile" <<'EOF'
FROM busybox:1.37
CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/var/www"]
EOF
echo "hello from the smoke project" >"$proj/site/index.html"

# --- the daemon: created, certificates uploaded, then started (as the program does).
# --tmpfs /tmp: the dind setup (ours and the official one) mounts a fresh tmpfs
# on /tmp unless /tmp is already a mount point, which would hide a project
# bind-mounted under /tmp. With /tmp its own mount, Docker mounts the project
# on top of it and the setup leaves /tmp alone.
step "daemon $DAEMON (privileged, dockerd --tlsverify, mirror https://$REGISTRY:5000)"
docker create --name "$DAEMON" --hostname "$DAEMON" --network "$NET" --network-alias "$DAEMON" \
  --privileged -e DOCKER_TLS_CERTDIR= \
  -v "$VOLUME:/var/lib/docker" --tmpfs /tmp -v "$proj:$proj" \
  --health-cmd 'docker --host=unix:///var/run/docker.sock version --format "{{.Server.Version}}"' \
  --health-interval 2s --health-timeout 5s --health-retries 30 \
  "$DAEMON_IMAGE" dockerd \
  --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2376 \
  --tlsverify --tlscacert=/certs/server/ca.pem --tlscert=/certs/server/cert.pem --tlskey=/certs/server/key.pem \
  --registry-mirror="https://$REGISTRY:5000" >/dev/null
docker cp "$pki/server/." "$DAEMON:/certs/server"
# The inner daemon trusts the mirror through certs.d/<host:port>/ca.crt.
mkdir -p "$WORK/certs.d/$REGISTRY:5000"
cp "$pki/ca.pem" "$WORK/certs.d/$REGISTRY:5000/ca.crt"
docker cp "$WORK/certs.d" "$DAEMON:/etc/docker/"
docker start "$DAEMON" >/dev/null
for _ in $(seq 1 60); do
  [[ "$(docker inspect -f '{{.State.Health.Status}}' "$DAEMON")" == healthy ]] && break
  [[ "$(docker inspect -f '{{.State.Running}}' "$DAEMON")" == true ]] || fail "daemon container exited"
  sleep 1
done
[[ "$(docker inspect -f '{{.State.Health.Status}}' "$DAEMON")" == healthy ]] || fail "daemon not healthy after 60s"
docker exec "$DAEMON" docker info --format 'inner: storage {{.Driver}}, cgroup v{{.CgroupVersion}} ({{.CgroupDriver}}), mirrors {{.RegistryConfig.Mirrors}}' | sed 's/^/smoke:   /'
[[ "$(docker exec "$DAEMON" docker info --format '{{.Driver}}')" == overlay2 ]] || fail "inner storage driver is not overlay2"
say "  daemon healthy ($(took))"

# --- the runner: TLS client, compose up from the project's own path.
step "runner $RUNNER (init, /bin/sh entrypoint): docker version over TLS, compose up --build"
docker create --name "$RUNNER" --network "$NET" --init \
  -e DOCKER_HOST="tcp://$DAEMON:2376" -e DOCKER_TLS_VERIFY=1 -e DOCKER_CERT_PATH=/certs/client \
  -v "$proj:$proj" -w "$proj" --entrypoint /bin/sh \
  "$RUNNER_IMAGE" -c '
    set -e
    docker version --format "runner: client {{.Client.Version}} -> server {{.Server.Version}} over TLS"
    docker compose version
    docker compose up -d --build --quiet-pull
    echo "compose: up"
    exec tail -f /dev/null' >/dev/null
docker cp "$pki/client/." "$RUNNER:/certs/client"
docker start "$RUNNER" >/dev/null
for _ in $(seq 1 180); do
  docker logs "$RUNNER" 2>&1 | grep -q '^compose: up' && break
  [[ "$(docker inspect -f '{{.State.Running}}' "$RUNNER")" == true ]] || fail "runner exited (compose failed)"
  sleep 1
done
docker logs "$RUNNER" 2>&1 | grep -q '^compose: up' || fail "compose did not come up within 180s"
docker logs "$RUNNER" 2>&1 | grep -E '^(runner|Docker Compose)' | sed 's/^/smoke:   /'
say "  compose up ($(took))"

step "probe: http://$DAEMON:8080/ from another container on $NET"
out="$(docker run --rm --name "$P-probe" --network "$NET" "$BUSYBOX" wget -qO- -T 5 "http://$DAEMON:8080/")" \
  || fail "probe could not fetch http://$DAEMON:8080/"
[[ "$out" == "hello from the smoke project" ]] || fail "probe got '$out'"
say "  got: $out ($(took))"

# --- the proxy: config uploaded before start, Host-based routing, resolved per request.
step "proxy $PROXY: Host $ROUTE_HOST -> $DAEMON:8080"
cat >"$WORK/default.conf" <<EOF
resolver 127.0.0.11 valid=10s ipv6=off;
server {
    listen 80;
    server_name $ROUTE_HOST;
    location / {
        set \$upstream http://$DAEMON:8080;
        proxy_pass \$upstream;
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
}
server {
    listen 80 default_server;
    return 404 "unknown host\n";
}
EOF
docker create --name "$PROXY" --network "$NET" -p 127.0.0.1::80 "$PROXY_IMAGE" >/dev/null
docker cp "$WORK/default.conf" "$PROXY:/etc/nginx/conf.d/default.conf"
docker start "$PROXY" >/dev/null
proxy_port="$(docker port "$PROXY" 80/tcp | head -n1 | sed 's/.*://')"
for _ in $(seq 1 30); do
  out="$(curl -fsS -m 5 -H "Host: $ROUTE_HOST" "http://127.0.0.1:$proxy_port/" 2>/dev/null)" && break
  sleep 0.5
done
[[ "${out:-}" == "hello from the smoke project" ]] || fail "proxy on 127.0.0.1:$proxy_port answered '${out:-}'"
code="$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H 'Host: nope.localhost' "http://127.0.0.1:$proxy_port/")"
[[ "$code" == 404 ]] || fail "unknown host answered $code, expected 404"
docker logs "$PROXY" 2>&1 | grep -q '"GET / HTTP/1.1" 200' || fail "proxy access log is not on stdout"
say "  curl -H 'Host: $ROUTE_HOST' http://127.0.0.1:$proxy_port/ -> $out ($(took))"

step "stop signals: proxy stops on SIGQUIT"
[[ "$(docker inspect -f '{{.Config.StopSignal}}' "$PROXY")" == SIGQUIT ]] || fail "proxy StopSignal is not SIGQUIT"
docker stop -t 10 "$PROXY" >/dev/null
say "  proxy stopped ($(took))"

say "all checks passed in $(awk -v a="$t_all" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')"
