#!/bin/sh
# As in the official registry image: a config file path, or a registry
# subcommand or flag, runs the registry; anything else runs as given.
set -e

case "$1" in
	*.yaml | *.yml) set -- registry serve "$@" ;;
	serve | garbage-collect | help | -*) set -- registry "$@" ;;
esac

exec "$@"
