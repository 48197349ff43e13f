#!/bin/sh
# As in the official nginx image: before nginx starts, run the hooks in
# /docker-entrypoint.d (*.sh executed, *.envsh sourced), in name order.
set -e

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
	for f in /docker-entrypoint.d/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		# shellcheck disable=SC1090
		case "$f" in
			*.envsh) . "$f" ;;
			*.sh) "$f" ;;
		esac
	done
fi

exec "$@"
