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
postgresql libpq-dev mariadb-server libmariadb-dev
linux-libc-dev iproute2 ethtool kmod procps psmisc tcpreplay tcpdump jq perl
kea-dhcp4-server kea-dhcp6-server kea-dhcp-ddns-server kea-admin kea-common
isc-dhcp-client bind9 bind9-utils bind9-dnsutils knot knot-dnsutils prometheus curl gdb tmux
pdns-server pdns-backend-sqlite3 sqlite3
qemu-system-x86 busybox-static cpio xz-utils zstd
debhelper devscripts lintian dpkg-dev fakeroot man-db
krb5-kdc krb5-admin-server krb5-user libkrb5-dev samba samba-ad-dc samba-ad-provision faketime
"

# The QEMU tier (tests/kernels/) boots these Debian kernel images; they are
# unpacked into LS_KERNEL_CACHE, never installed on the host.
KERNEL_PKGS="linux-image-amd64 linux-image-6.12-amd64"
LS_KERNEL_CACHE=${LS_KERNEL_CACHE:-/var/cache/leasesnoop/kernels}

# kernels_fetch: resolve each metapackage to its versioned image package and
# unpack that (vmlinuz, modules, config) into LS_KERNEL_CACHE/<package>.
kernels_fetch() {
	keep=""
	for meta in $KERNEL_PKGS; do
		img=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
		[ -n "$img" ] || { echo "deps: cannot resolve $meta" >&2; return 1; }
		keep="$keep $img"
		[ -f "$LS_KERNEL_CACHE/$img/.done" ] && continue
		echo "deps: unpacking $img into $LS_KERNEL_CACHE"
		rm -rf "$LS_KERNEL_CACHE/$img" "$LS_KERNEL_CACHE/.dl"
		mkdir -p "$LS_KERNEL_CACHE/.dl"
		(cd "$LS_KERNEL_CACHE/.dl" && apt-get download -q "$img") || return 1
		dpkg-deb -x "$LS_KERNEL_CACHE"/.dl/"$img"_*.deb "$LS_KERNEL_CACHE/$img" || return 1
		# modules.dep, so modprobe works inside the guest
		ver=$(ls "$LS_KERNEL_CACHE/$img/lib/modules")
		depmod -b "$LS_KERNEL_CACHE/$img" "$ver" || return 1
		rm -rf "$LS_KERNEL_CACHE/.dl"
		touch "$LS_KERNEL_CACHE/$img/.done"
	done
	# images a security update replaced: the tier boots what is current only
	for d in "$LS_KERNEL_CACHE"/linux-image-*; do
		[ -d "$d" ] || continue
		case " $keep " in *" ${d##*/} "*) ;; *) echo "deps: removing old ${d##*/}"; rm -rf "$d" ;; esac
	done
}
kernels_present() {
	for meta in $KERNEL_PKGS; do
		img=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
		[ -n "$img" ] && [ -f "$LS_KERNEL_CACHE/$img/.done" ] || return 1
	done
}

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ] && kernels_present; then
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

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
kernels_fetch
