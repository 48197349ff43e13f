#!/bin/sh
# A project's daemon: containerd, then dockerd on it. The daemon container's
# command, after the image's own `dind` setup (cgroups, mounts):
#
#   dind sh -c "<this script>" dind-compose-daemon <dockerd flags>
#
# dockerd would start containerd itself, but it dials containerd's socket at
# once, fails because containerd is still starting, and gRPC waits a whole
# second before dialling again: started here first, containerd is serving
# when dockerd dials, and the daemon answers about a second sooner (every
# start: a cold `pulumi up`, a replaced daemon, a restart after a crash).
#
# It does for containerd what dockerd does for the containerd it manages: the
# same configuration and paths (a daemon's data from before stays where it
# was), the legacy iptables where the kernel has no nf_tables (as the image's
# entrypoint would for dockerd), and on SIGTERM containerd stops after dockerd
# has stopped the project's containers. Either one ending ends the other, so
# the container exits and its restart policy starts both again.
set -eu

# split_tls_bundle DIR: DIR/bundle.pem, as `pulumi up` uploads it
# (components/projectTls.ts: the certificate this side trusts, its own certificate,
# its key), into the ca.pem, cert.pem and key.pem Docker reads in DIR.
split_tls_bundle() {
	[ -f "$1/bundle.pem" ] || return 0
	(umask 077 && awk -v dir="$1" '/^-----BEGIN CERTIFICATE-----/ { certs++ } /^-----BEGIN / { out = dir "/" ($0 ~ /CERTIFICATE/ ? (certs == 1 ? "ca" : "cert") : "key") ".pem" } out != "" { print > out }' "$1/bundle.pem")
}
split_tls_bundle "${DC_TLS_DIR:-}"

dir=/var/run/docker/containerd
mkdir -p "$dir"
cat >"$dir/containerd.toml" <<'EOF'
version = 2
root = "/var/lib/docker/containerd/daemon"
state = "/var/run/docker/containerd/daemon"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
oom_score = 0

[grpc]
  address = "/var/run/docker/containerd/containerd.sock"
  max_recv_message_size = 16777216
  max_send_message_size = 16777216

[debug]
  address = "/var/run/docker/containerd/containerd-debug.sock"
EOF

legacy=/usr/local/sbin/.iptables-legacy
if ! iptables -nL >/dev/null 2>&1 && "$legacy/iptables" -nL >/dev/null 2>&1; then
	echo "dind-compose: nf_tables unavailable, using iptables-legacy" >&2
	export PATH="$legacy:$PATH"
fi

dockerd=
ended=
stopping=
stop_dockerd() {
	[ -z "$dockerd" ] || kill -TERM "$dockerd" 2>/dev/null || :
}
# SIGUSR1: containerd ended (below).
trap 'ended=1; stop_dockerd' USR1
trap 'stopping=1; stop_dockerd' TERM INT

# containerd under a subshell that waits for it, passes SIGTERM on to it, and
# tells this shell when it ends.
(
	pid=
	trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || :' TERM INT
	containerd --config "$dir/containerd.toml" &
	pid=$!
	status=0
	while :; do
		wait "$pid" && status=0 || status=$?
		kill -0 "$pid" 2>/dev/null || break
	done
	echo "dind-compose: containerd ended (exit status $status)" >&2
	kill -USR1 $$ 2>/dev/null || :
) &
containerd=$!
stop_containerd() {
	kill -TERM "$containerd" 2>/dev/null || :
	wait "$containerd" || :
}

# Bounded: 10 s.
i=0
until [ -S "$dir/containerd.sock" ]; do
	if [ -n "$stopping" ]; then
		stop_containerd
		exit 0
	fi
	if [ -n "$ended" ] || [ "$i" -ge 1000 ]; then
		echo "dind-compose: containerd did not serve on $dir/containerd.sock (its output is above)" >&2
		stop_containerd
		exit 1
	fi
	i=$((i + 1))
	sleep 0.01
done

dockerd --containerd="$dir/containerd.sock" "$@" &
dockerd=$!
if [ -n "$ended$stopping" ]; then
	stop_dockerd
fi
status=0
while :; do
	wait "$dockerd" && status=0 || status=$?
	kill -0 "$dockerd" 2>/dev/null || break
done
dockerd=
# containerd ending under a running dockerd is a failure, whatever dockerd says.
if [ -n "$ended" ] && [ "$status" -eq 0 ]; then
	status=1
fi
stop_containerd
exit "$status"
