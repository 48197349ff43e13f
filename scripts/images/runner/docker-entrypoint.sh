#!/bin/sh
# Runs a command in a Docker CLI image, as docker:cli's entrypoint does:
# bare flags or a docker subcommand get `docker` prepended, and DOCKER_HOST
# defaults to the conventional "docker" service (TLS when certificates exist).
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- docker "$@"
elif [ "$1" != docker ] && ! command -v "$1" >/dev/null 2>&1 \
	&& docker help "$1" >/dev/null 2>&1; then
	set -- docker "$@"
fi

if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && [ "$1" = docker ]; then
	if [ -n "${DOCKER_TLS_CERTDIR:-}" ] && [ -s "$DOCKER_TLS_CERTDIR/client/ca.pem" ]; then
		export DOCKER_HOST=tcp://docker:2376 DOCKER_TLS_VERIFY=1
		export DOCKER_CERT_PATH="${DOCKER_CERT_PATH:-$DOCKER_TLS_CERTDIR/client}"
	else
		export DOCKER_HOST=tcp://docker:2375
	fi
fi

exec "$@"
