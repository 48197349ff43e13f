#!/usr/bin/env bash
# Tears a stack down (default: dev): every container, network and volume it
# created, including the projects' data volumes. Extra arguments go to
# `pulumi destroy`.
set -euo pipefail

usage() { echo "usage: scripts/down.sh [STACK] [-- PULUMI_DESTROY_ARGS...]   (default stack: dev)"; }
stack=dev
if [[ $# -gt 0 && ( $1 == -h || $1 == --help ) ]]; then usage; exit 0; fi
if [[ $# -gt 0 && $1 != -* ]]; then stack=$1; shift; fi
[[ $# -gt 0 && $1 == -- ]] && shift

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DIND_COMPOSE_ROOT"
pulumi destroy --yes --stack "$stack" "$@"
left=$(docker ps -aq --filter "label=dind-compose.stack=$stack")
if [[ -n $left ]]; then
  echo "down: containers labelled dind-compose.stack=$stack remain: $left" >&2
  exit 1
fi
echo "Stack $stack is down; nothing labelled dind-compose.stack=$stack remains."
