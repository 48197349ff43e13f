# Sourced (not run) by every dind-compose script: where the project keeps its
# tools, its Pulumi state and its state passphrase, so that every script and
# every test talks to the same engine, CLI and backend.
#
# Everything here can be overridden from the environment.

DIND_COMPOSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DIND_COMPOSE_ROOT

# Tools this project installs (pulumi CLI, language host) and its build caches.
export DIND_COMPOSE_HOME="${DIND_COMPOSE_HOME:-$HOME/.dind-compose}"
case ":$PATH:" in
  *":$DIND_COMPOSE_HOME/bin:"*) ;;
  *) export PATH="$DIND_COMPOSE_HOME/bin:$PATH" ;;
esac

# Plugins live where the CLI looks for them; a missing one fails fast instead
# of trying a download that cannot work offline.
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}"
export PULUMI_SKIP_UPDATE_CHECK="${PULUMI_SKIP_UPDATE_CHECK:-true}"

# State: the file backend inside the checkout (git-ignored); no account needed.
if [[ -z "${PULUMI_BACKEND_URL:-}" ]]; then
  mkdir -p "$DIND_COMPOSE_ROOT/.pulumi-state"
  export PULUMI_BACKEND_URL="file://$DIND_COMPOSE_ROOT/.pulumi-state"
fi

# Secrets in the state are encrypted with a passphrase. Use the caller's when
# given; otherwise one generated once per user and kept private in
# $DIND_COMPOSE_HOME/passphrase.
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  if [[ ! -s "$DIND_COMPOSE_HOME/passphrase" ]]; then
    mkdir -p "$DIND_COMPOSE_HOME"
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIND_COMPOSE_HOME/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$DIND_COMPOSE_HOME/passphrase"
fi
