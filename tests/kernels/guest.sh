#!/bin/sh
# tests/kernels/guest.sh - runs inside a QEMU guest of the kernel tier (see
# init.sh), chrooted into the host's files: loads the modules the tests need,
# then runs every test run.sh listed (guest.list), each one's TAP into /tmp/out/<n>.tap and
# its exit status into /tmp/out/<n>.rc; run.sh reads them on the host.
. /tmp/out/env
export LS_TOP LS_OUTPUT LS_BIN="$LS_TOP/leasesnoop" CMOCKA_MESSAGE_OUTPUT=TAP
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp
cd "$LS_TOP" || exit 1
echo "kernel $(uname -r)" >/tmp/out/kernel
# veth for the live tests; clsact and cls_bpf for tc (autoloading also works)
modprobe -d "$LS_GUEST_KDIR" -a veth sch_ingress cls_bpf 2>&1
ip link set lo up
n=0
while read -r t; do
	[ -n "$t" ] || continue
	n=$((n + 1))
	echo "$t" >"/tmp/out/$n.name"
	if [ "${t%.sh}" != "$t" ]; then sh "$t"; else "./$t"; fi >"/tmp/out/$n.tap" 2>"/tmp/out/$n.err"
	echo $? >"/tmp/out/$n.rc"
	sync
done </tmp/out/list
