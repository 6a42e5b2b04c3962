#!/bin/sh
# tests/integ/70_debian_package.sh - install like a Debian tool:
# - `make install DESTDIR=… PREFIX=…` puts binary, man pages, unit and
#   example where they belong, the unit pointing at that binary;
# - both man pages pass `man --warnings`;
# - the unit scores at most 3.0 in `systemd-analyze security --offline`
#   and has Type=notify, a watchdog and only CAP_BPF CAP_NET_ADMIN
#   CAP_PERFMON;
# - `dpkg-buildpackage -b -us -uc` on a copy of the tree builds a .deb that
#   lintian passes without errors; it is installed on this machine (dpkg -i),
#   which creates the leasesnoop system user and /var/lib/leasesnoop; the
#   installed binary's `-t` passes on a good configuration and fails on a
#   bad one; `systemd-analyze verify` accepts the installed unit (every
#   file it names exists); then the package is purged (the user is removed
#   only when this test created it).
. "${LS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/tap.sh"
need_root
need_cmd dpkg-buildpackage dh lintian man systemd-analyze tar

DIR=$(mktemp -d /tmp/ls-deb-XXXXXX)
HAD_USER=
getent passwd leasesnoop >/dev/null && HAD_USER=1
INSTALLED=
cleanup() {
	if [ -n "$INSTALLED" ]; then
		dpkg --purge leasesnoop >/dev/null 2>&1
		[ -z "$HAD_USER" ] && { userdel leasesnoop 2>/dev/null; groupdel leasesnoop 2>/dev/null; }
	fi
	[ -n "${LS_KEEP:-}" ] && echo "# kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
tap_plan 15

# make install
make -s -C "$LS_TOP" install DESTDIR="$DIR/root" PREFIX=/opt/ls >/dev/null 2>"$DIR/install.err"
tap_ok "make install DESTDIR PREFIX: the binary" test -x "$DIR/root/opt/ls/sbin/leasesnoop"
tap_ok "... man pages, example, and the unit pointing at that binary" sh -c "
	test -f '$DIR/root/opt/ls/share/man/man8/leasesnoop.8' &&
	test -f '$DIR/root/opt/ls/share/man/man5/leasesnoop.conf.5' &&
	test -f '$DIR/root/opt/ls/share/doc/leasesnoop/examples/leasesnoop.conf' &&
	test -f '$DIR/root/opt/ls/share/doc/leasesnoop/examples/grafana-dashboard.json' &&
	grep -qx 'ExecStart=/opt/ls/sbin/leasesnoop -c /etc/leasesnoop/leasesnoop.conf' '$DIR/root/opt/ls/lib/systemd/system/leasesnoop.service'"

for m in leasesnoop.8 leasesnoop.conf.5; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$LS_TOP/doc/$m" 2>&1 >/dev/null)
	tap_is "man --warnings: $m is clean" "$w" ""
done

# the unit
U=$LS_TOP/tools/leasesnoop.service
score=$(systemd-analyze security --offline=yes "$U" 2>/dev/null | sed -n 's/.*Overall exposure level for leasesnoop.service: \([0-9.]*\).*/\1/p')
tap_ok "systemd-analyze security: exposure $score <= 3.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 3.0) }'
tap_ok "the unit: Type=notify with a watchdog, only the three capabilities, bpf allowed" sh -c "
	grep -qx 'Type=notify' '$U' && grep -q '^WatchdogSec=[1-9]' '$U' &&
	grep -qx 'AmbientCapabilities=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' '$U' &&
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_PERFMON' '$U' &&
	grep -qx 'SystemCallFilter=@system-service bpf' '$U' && grep -qx 'User=leasesnoop' '$U'"

# the package, built from a copy of the tree (the build cleans its tree)
mkdir -p "$DIR/pkg/leasesnoop"
tar -C "$LS_TOP" --exclude=./.output --exclude=./.git --exclude=./leasesnoop -cf - . | tar -C "$DIR/pkg/leasesnoop" -xf -
(cd "$DIR/pkg/leasesnoop" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -b -us -uc) > "$DIR/build.log" 2>&1
tap_is "dpkg-buildpackage -b -us -uc builds" "$?" 0
DEB=$(ls "$DIR"/pkg/leasesnoop_*_*.deb 2>/dev/null | head -1)
tap_ok "lintian: no errors" sh -c "lintian --fail-on error '$DEB' > '$DIR/lintian.out' 2>&1 || { cat '$DIR/lintian.out'; exit 1; }"

# install on this machine; dpkg's own lock serialises it with any other dpkg run
if [ -n "$DEB" ] && dpkg -i "$DEB" > "$DIR/dpkg.out" 2>&1; then
	INSTALLED=1
	tap_pass "dpkg -i installs it"
else
	tap_fail "dpkg -i installs it" "$(cat "$DIR/dpkg.out")"
fi
tap_ok "it created the system user and its state directory" sh -c "
	getent passwd leasesnoop >/dev/null && [ \"\$(stat -c %U:%a /var/lib/leasesnoop)\" = leasesnoop:750 ]"
tap_ok "it installed binary, man pages, unit and example" sh -c "
	test -x /usr/sbin/leasesnoop && test -f /usr/share/man/man8/leasesnoop.8.gz &&
	test -f /usr/share/man/man5/leasesnoop.conf.5.gz && test -f /lib/systemd/system/leasesnoop.service &&
	test -f /usr/share/doc/leasesnoop/examples/leasesnoop.conf &&
	test -f /usr/share/doc/leasesnoop/examples/grafana-dashboard.json"
tap_ok "systemd-analyze verify accepts the installed unit" systemd-analyze verify /lib/systemd/system/leasesnoop.service

# the installed binary's -t: the example with its paths moved here, then a bad one
mkdir -p "$DIR/kea"
: > "$DIR/kea/kea-leases4.csv"
sed -e "s|/var/lib/kea|$DIR/kea|" -e "s|/var/lib/leasesnoop|$DIR/state|" -e "s|/run/leasesnoop|$DIR|" \
	/usr/share/doc/leasesnoop/examples/leasesnoop.conf > "$DIR/ok.conf"
/usr/sbin/leasesnoop -t -c "$DIR/ok.conf" > "$DIR/ok.out" 2>&1
tap_is "installed leasesnoop -t passes the example configuration" "$?" 0
sed "s|\"state-dir\": \"[^\"]*\"|\"state-dir\": \"/etc/passwd\"|" "$DIR/ok.conf" > "$DIR/bad.conf"
/usr/sbin/leasesnoop -t -c "$DIR/bad.conf" > "$DIR/bad.out" 2>&1
tap_is "installed leasesnoop -t fails a bad one, naming it" "$? $(grep -c "state-dir '/etc/passwd' is not a directory" "$DIR/bad.out")" "1 1"
dpkg --purge leasesnoop > "$DIR/purge.out" 2>&1 && INSTALLED=
tap_ok "dpkg --purge removes it" sh -c "[ -z '$INSTALLED' ] && ! test -e /usr/sbin/leasesnoop && ! test -e /var/lib/leasesnoop"
[ -z "$HAD_USER" ] && { userdel leasesnoop 2>/dev/null; groupdel leasesnoop 2>/dev/null; }
tap_done
