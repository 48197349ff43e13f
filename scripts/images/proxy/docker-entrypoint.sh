#!/bin/sh
# As in the official nginx image: before nginx starts, run the hooks in
# /docker-entrypoint.d (*.sh executed, *.envsh sourced), in name order.
set -e

if [ "$1" = nginx ] || [ "$1" = nginx-debug ]; then
	for f in /docker-entrypoint.d/*; do
		[ -f "$f" ] || continue
		case "$f" in
			*.envsh) [ -x "$f" ] && . "$f" ;;
			*.sh) [ -x "$f" ] && "$f" ;;
		esac
	done
fi

exec "$@"
