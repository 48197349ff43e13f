#!/usr/bin/env bash
# Kept for existing habits: `dind-compose env PROJECT --stack STACK` does this
# (cli/dockerEnv.ts).   eval "$(scripts/docker-env.sh project-a [STACK])"
set -euo pipefail
[[ $# -ge 1 && $# -le 2 && $1 != -* ]] || { echo "usage: scripts/docker-env.sh PROJECT [STACK]   (default stack: dev)" >&2; exit 2; }
exec "$(dirname "${BASH_SOURCE[0]}")/../cli/dind-compose" env "$1" --stack "${2:-dev}"
