#!/bin/sh
# tools/deps.sh - install every Debian package leasesnoop's build, tests,
# lab and benchmarks need. Idempotent: installs only what is missing, runs
# `apt-get update` at most once. Daemons the packages ship (named, knotd,
# kea-*) are kept from starting at install time: the tests start their own
# instances on loopback and in namespaces they create.
set -eu

PKGS="
make gcc pkg-config clang llvm libclang-rt-14-dev libfuzzer-14-dev
libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev zlib1g-dev libpcap-dev libldns-dev libssl-dev
liblmdb-dev lmdb-utils libjansson-dev libcmocka-dev libmicrohttpd-dev
linux-libc-dev iproute2 ethtool kmod procps psmisc tcpreplay tcpdump jq perl
kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-admin kea-common
isc-dhcp-client bind9 bind9-utils bind9-dnsutils knot knot-dnsutils prometheus curl gdb
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi

# Keep package maintainer scripts from starting daemons (named on :53, kea).
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
cleanup() { [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
