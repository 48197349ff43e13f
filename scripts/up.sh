#!/usr/bin/env bash
# Brings a stack up (default: dev, the example environment): provisions the
# machine if needed, creates the stack in the local file backend on first use,
# and runs `pulumi up`. Extra arguments go to `pulumi up`.
set -euo pipefail

usage() { echo "usage: scripts/up.sh [STACK] [-- PULUMI_UP_ARGS...]   (default stack: dev)"; }
stack=dev
if [[ $# -gt 0 && $1 != -* ]]; then stack=$1; shift; fi
if [[ $# -gt 0 && $1 == -h || $# -gt 0 && $1 == --help ]]; then usage; exit 0; fi
[[ $# -gt 0 && $1 == -- ]] && shift

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DIND_COMPOSE_ROOT"

bash scripts/provision.sh
pulumi stack select --create "$stack" --non-interactive >/dev/null
# A new stack's salt is now in Pulumi.$stack.yaml; keep it out of git's view.
bash scripts/git-config.sh >/dev/null
echo "==> pulumi up (stack $stack, state in ${PULUMI_BACKEND_URL})"
pulumi up --yes --stack "$stack" "$@"
echo
echo "Routes:"
pulumi stack output urls --stack "$stack" --json
echo "Trust the stack's CA for HTTPS: sudo -E npx dind-compose trust --stack $stack   (npx dind-compose status: what runs)"
