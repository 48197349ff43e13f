#!/bin/sh
# Entrypoint of the daemon image, same contract as docker:dind's:
#   no arguments        -> dockerd on the local socket plus TCP (TLS on 2376
#                          with generated certificates when DOCKER_TLS_CERTDIR
#                          is set, plain 2375 when it is empty)
#   first arg "-..."    -> dockerd with those flags (plus the defaults above)
#   first arg "dockerd" -> the dind setup, then exactly that command
#   anything else       -> run as given
set -eu

tls_san() {
	{
		ip -oneline address 2>/dev/null | awk '{ gsub(/\/.+$/, "", $4); print "IP:" $4 }'
		{
			cat /etc/hostname
			echo docker
			echo localhost
			hostname -f 2>/dev/null || :
			hostname -s 2>/dev/null || :
		} | sed 's/^/DNS:/'
		[ -z "${DOCKER_TLS_SAN:-}" ] || echo "$DOCKER_TLS_SAN"
	} | sort -u | xargs printf '%s,' | sed 's/,$//'
}

# A CA, a server and a client certificate under $1, as the official image
# lays them out (ca/, server/, client/), regenerated (not re-keyed) at start.
tls_generate_certs() {
	dir=$1 days=825
	if [ -s "$dir/ca/key.pem" ] || [ ! -s "$dir/ca/cert.pem" ]; then
		mkdir -p "$dir/ca"
		[ -s "$dir/ca/key.pem" ] || openssl genrsa -out "$dir/ca/key.pem" 4096
		openssl req -new -x509 -key "$dir/ca/key.pem" -out "$dir/ca/cert.pem" \
			-subj '/CN=docker:dind CA' -days "$days"
	fi
	[ -s "$dir/ca/key.pem" ] || return 0
	mkdir -p "$dir/server" "$dir/client"
	[ -s "$dir/server/key.pem" ] || openssl genrsa -out "$dir/server/key.pem" 4096
	openssl req -new -key "$dir/server/key.pem" -out "$dir/server/csr.pem" -subj '/CN=docker:dind server'
	printf '[ x509_exts ]\nsubjectAltName = %s\n' "$(tls_san)" > "$dir/server/openssl.cnf"
	openssl x509 -req -in "$dir/server/csr.pem" -CA "$dir/ca/cert.pem" -CAkey "$dir/ca/key.pem" \
		-CAcreateserial -out "$dir/server/cert.pem" -days "$days" \
		-extfile "$dir/server/openssl.cnf" -extensions x509_exts
	cp "$dir/ca/cert.pem" "$dir/server/ca.pem"
	[ -s "$dir/client/key.pem" ] || openssl genrsa -out "$dir/client/key.pem" 4096
	# Shared with client containers running as any user.
	chmod 0644 "$dir/client/key.pem"
	openssl req -new -key "$dir/client/key.pem" -out "$dir/client/csr.pem" -subj '/CN=docker:dind client'
	printf '[ x509_exts ]\nextendedKeyUsage = clientAuth\n' > "$dir/client/openssl.cnf"
	openssl x509 -req -in "$dir/client/csr.pem" -CA "$dir/ca/cert.pem" -CAkey "$dir/ca/key.pem" \
		-CAcreateserial -out "$dir/client/cert.pem" -days "$days" \
		-extfile "$dir/client/openssl.cnf" -extensions x509_exts
	cp "$dir/ca/cert.pem" "$dir/client/ca.pem"
}

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	socket=unix:///var/run/docker.sock
	case "${DOCKER_HOST:-}" in unix://*) socket=$DOCKER_HOST ;; esac
	if [ -n "${DOCKER_TLS_CERTDIR:-}" ] \
		&& tls_generate_certs "$DOCKER_TLS_CERTDIR" \
		&& [ -s "$DOCKER_TLS_CERTDIR/server/ca.pem" ] \
		&& [ -s "$DOCKER_TLS_CERTDIR/server/cert.pem" ] \
		&& [ -s "$DOCKER_TLS_CERTDIR/server/key.pem" ]; then
		set -- dockerd --host="$socket" --host=tcp://0.0.0.0:2376 --tlsverify \
			--tlscacert "$DOCKER_TLS_CERTDIR/server/ca.pem" \
			--tlscert "$DOCKER_TLS_CERTDIR/server/cert.pem" \
			--tlskey "$DOCKER_TLS_CERTDIR/server/key.pem" \
			"$@"
	else
		set -- dockerd --host="$socket" --host=tcp://0.0.0.0:2375 "$@"
	fi
fi

if [ "$1" = dockerd ]; then
	# A pid file left by an unclean stop would keep dockerd from starting.
	find /run /var/run -iname 'docker*.pid' -delete 2>/dev/null || :

	# Debian defaults to iptables-nft; where the kernel has no nf_tables, use
	# the legacy backend (DOCKER_IPTABLES_LEGACY=1 forces it).
	if [ -n "${DOCKER_IPTABLES_LEGACY+x}" ]; then
		[ "$DOCKER_IPTABLES_LEGACY" = 0 ] || export PATH="/usr/local/sbin/.iptables-legacy:$PATH"
	elif ! iptables -nL >/dev/null 2>&1 && /usr/local/sbin/.iptables-legacy/iptables -nL >/dev/null 2>&1; then
		echo >&2 'dockerd-entrypoint: nf_tables unavailable, using iptables-legacy'
		export PATH="/usr/local/sbin/.iptables-legacy:$PATH"
	fi

	set -- /usr/local/bin/dind "$@"
else
	set -- docker-entrypoint.sh "$@"
fi

exec "$@"
