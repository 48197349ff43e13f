#!/usr/bin/env bash
# Points your own docker CLI at one project's inner daemon (the write-up's
# .envrc trick): writes the project's CA, client certificate and client key to
# $DIND_COMPOSE_HOME/certs/<stack>/<project>/ (a 0700 directory, key 0600)
# and prints the export lines, quoted for the shell that evals them.
#   eval "$(scripts/docker-env.sh project-a)"
# The project needs `dockerPort` in the stack file so its TLS socket is
# published on 127.0.0.1.
#
# The client key never appears on a command line (where `ps` shows it to
# every user): it goes from `pulumi` to node through a pipe, and from node
# into the file.
set -euo pipefail

usage() { echo "usage: scripts/docker-env.sh PROJECT [STACK]   (default stack: dev)"; }
[[ $# -ge 1 && $# -le 2 && $1 != -* ]] || { usage >&2; exit 2; }
project=$1
stack=${2:-dev}

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DIND_COMPOSE_ROOT"

# json_field PROJECT [FIELD] < JSON: the project's entry (or one field of it)
# in a stack output that maps project names to values.
json_field() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const [project, field] = process.argv.slice(1);
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => (text += chunk));
    process.stdin.on("end", () => {
      const entry = JSON.parse(text)[project];
      if (!entry) { console.error(`docker-env: no project "${project}" in this stack`); process.exit(3); }
      process.stdout.write(field ? String(entry[field] ?? "") : String(entry));
    });' "$1" "${2:-}"
}

# POSIX single quoting: safe to eval in sh, bash and zsh whatever the value holds.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

details=$(pulumi stack output projectDetails --stack "$stack" --json)
host=$(json_field "$project" dockerHost <<<"$details")
if [[ -z $host ]]; then
  echo "docker-env: project $project does not publish its daemon; add 'dockerPort: <port>' to it in Pulumi.$stack.yaml and run pulumi up" >&2
  exit 1
fi

dir="$DIND_COMPOSE_HOME/certs/$stack/$project"
mkdir -p "$dir"
# Also when they existed before, with looser modes.
chmod 700 "$DIND_COMPOSE_HOME/certs" "$DIND_COMPOSE_HOME/certs/$stack" "$dir"
(
  umask 077
  trap 'rm -f "$dir/key.pem.new"' EXIT
  json_field "$project" tlsCaCert <<<"$details" >"$dir/ca.pem"
  json_field "$project" tlsClientCert <<<"$details" >"$dir/cert.pem"
  # A fresh file (0600 from the umask) renamed over the old one, whatever its mode was.
  pulumi stack output projectClientKeys --stack "$stack" --json --show-secrets | json_field "$project" >"$dir/key.pem.new"
  chmod 600 "$dir/key.pem.new"
  mv -f "$dir/key.pem.new" "$dir/key.pem"
)
printf 'export DOCKER_HOST=%s DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s\n' "$(shell_quote "$host")" "$(shell_quote "$dir")"
