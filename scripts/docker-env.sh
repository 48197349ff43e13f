#!/usr/bin/env bash
# Points your own docker CLI at one project's inner daemon (the write-up's
# .envrc trick): writes the project's client certificate and key to
# $DIND_COMPOSE_HOME/certs/<stack>/<project>/ and prints the export lines.
#   eval "$(scripts/docker-env.sh project-a)"
# The project needs `dockerPort` in the stack file so its TLS socket is
# published on 127.0.0.1.
set -euo pipefail

usage() { echo "usage: scripts/docker-env.sh PROJECT [STACK]   (default stack: dev)"; }
[[ $# -ge 1 && $# -le 2 && $1 != -* ]] || { usage >&2; exit 2; }
project=$1
stack=${2:-dev}

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DIND_COMPOSE_ROOT"

details=$(pulumi stack output projectDetails --stack "$stack" --json)
keys=$(pulumi stack output projectClientKeys --stack "$stack" --json --show-secrets)
field() { node -e 'const [d, p, f] = process.argv.slice(1); const v = JSON.parse(d)[p]; if (!v) { console.error(`no project "${p}" in this stack`); process.exit(3); } process.stdout.write(f ? (v[f] ?? "") : v);' "$1" "$project" "${2:-}"; }

host=$(field "$details" dockerHost)
if [[ -z $host ]]; then
  echo "docker-env: project $project does not publish its daemon; add 'dockerPort: <port>' to it in Pulumi.$stack.yaml and run pulumi up" >&2
  exit 1
fi
dir="$DIND_COMPOSE_HOME/certs/$stack/$project"
mkdir -p "$dir"
(umask 077
 field "$details" tlsCaCert > "$dir/ca.pem"
 field "$details" tlsClientCert > "$dir/cert.pem"
 field "$keys" > "$dir/key.pem")
echo "export DOCKER_HOST=$host DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$dir"
