#!/bin/sh
# tests/kernels/run.sh - the QEMU tier: boots each Debian kernel image that
# `make deps` unpacked into LS_KERNEL_CACHE (Debian 12's 6.1 and 6.12) under
# QEMU/TCG (no KVM here) and runs the kernel-side tests of guest.list inside
# (the differential test, live attach/detach on veth, stale and foreign
# attachments), all kernels in parallel, one vCPU each. The guest sees the
# host's files read-only over virtio-9p (init.sh), so the tests run from the
# same tree, with the same tools, as on the host; nothing leaves the guest but
# the TAP it writes to its own share, and it has no network card. The tree
# and its build output are read-only in the guest.
# One "ok" per kernel for the boot, one per kernel and test; the verifier's
# instruction counts of each program on each kernel are printed as diagnostics.
. "${LS_TOP:-$(dirname "$0")/../..}/tests/lib/tap.sh"
need_root
need_cmd qemu-system-x86_64 cpio gzip xz modprobe
BUSYBOX=${LS_BUSYBOX:-/bin/busybox}
LS_KERNEL_CACHE=${LS_KERNEL_CACHE:-/var/cache/leasesnoop/kernels}
TIMEOUT=${LS_QEMU_TIMEOUT:-1200}
MEM=${LS_QEMU_MEM:-1024}
# the initramfs has no libraries: busybox must be the static one
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || tap_skip_all "needs busybox-static (make deps)"
KERNELS=${LS_KERNELS:-$(ls -d "$LS_KERNEL_CACHE"/linux-image-*/.done 2>/dev/null | sed 's|/.done$||;s|.*/||')}
TESTS=${LS_GUEST_TESTS:-$(grep -v '^ *#' "$LS_TOP/tests/kernels/guest.list" | grep -v '^ *$')}
nk=$(echo $KERNELS | wc -w)
nt=$(echo "$TESTS" | wc -l)
if [ "$nk" -lt 1 ]; then
	tap_plan 1
	tap_fail "kernel images present in $LS_KERNEL_CACHE" "run 'make deps' (tools/deps.sh unpacks them)"
	exit 1
fi
for t in $TESTS leasesnoop; do
	[ -e "$LS_TOP/$t" ] || { tap_plan 1; tap_fail "$t built" "run 'make test-bins'"; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ls-kernels.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${LS_KEEP:-}" ] && echo "# kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
tap_plan $((nk * (1 + nt)))

# initrd IMG DIR: busybox, init.sh and the modules the 9p root needs, for IMG
initrd() {
	_kd=$LS_KERNEL_CACHE/$1 _d=$2/initrd
	_ver=$(ls "$_kd/lib/modules")
	mkdir -p "$_d/bin" "$_d/mod" "$_d/proc" "$_d/sys" "$_d/dev"
	cp "$BUSYBOX" "$_d/bin/busybox"
	cp "$LS_TOP/tests/kernels/init.sh" "$_d/init"
	chmod 755 "$_d/init"
	: >"$_d/mod/order"
	for _m in virtio_pci 9pnet_virtio 9p; do
		modprobe -d "$_kd" -S "$_ver" --show-depends "$_m" | sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++' | while read -r _ko; do
		_n=$(basename "$_ko" .xz)
		case $_ko in
		*.xz) xz -dc "$_ko" >"$_d/mod/$_n" ;;
		*) cp "$_ko" "$_d/mod/$_n" ;;
		esac
		echo "$_n" >>"$_d/mod/order"
	done
	(cd "$_d" && find . | cpio -o -H newc --quiet | gzip -1) >"$2/initrd.gz"
}

# boot IMG DIR: runs the guest to completion (or the timeout) in the background
boot() {
	_kd=$LS_KERNEL_CACHE/$1
	mkdir -p "$2/out"
	printf 'LS_TOP=%s\nLS_OUTPUT=%s\nLS_GUEST_KDIR=%s\n' "$LS_TOP" "$LS_OUTPUT" "$_kd" >"$2/out/env"
	echo "$TESTS" >"$2/out/list"
	initrd "$1" "$2" || return 1
	timeout "$TIMEOUT" qemu-system-x86_64 -M pc -accel tcg -cpu max -smp 1 -m "$MEM" \
		-nographic -no-reboot -nic none \
		-kernel "$(ls "$_kd"/boot/vmlinuz-*)" -initrd "$2/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet no_timer_check" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$2/out,mount_tag=out,security_model=none" \
		-virtfs "local,path=$LS_TOP,mount_tag=top,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$LS_OUTPUT,mount_tag=output,security_model=none,readonly=on,multidevs=remap" \
		</dev/null >"$2/console.log" 2>&1
	echo $? >"$2/qemu.rc"
}

start=$(date +%s)
for k in $KERNELS; do
	boot "$k" "$TMP/$k" &
	PIDS="$PIDS $!"
done
wait
PIDS=""

# a TAP file passed when its test exited 0, planned > 0 tests and ran them all, none failing
tap_file_ok() {
	_plan=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$1" | head -n1)
	_ok=$(grep -c '^ok ' "$1")
	[ "$2" = 0 ] && [ -n "$_plan" ] && [ "$_plan" -gt 0 ] && [ "$_ok" -eq "$_plan" ] &&
		! grep -q '^not ok\|^Bail out!' "$1"
}

for k in $KERNELS; do
	d=$TMP/$k/out
	kv=$(sed 's/^kernel //' "$d/kernel" 2>/dev/null)
	if [ -n "$kv" ] && [ -f "$d/guest.rc" ]; then
		tap_pass "$k: boots ($kv) and runs the guest tests"
	else
		tap_fail "$k: boots and runs the guest tests" "qemu exit $(cat "$TMP/$k/qemu.rc" 2>/dev/null)" \
			"$(tail -n 30 "$TMP/$k/console.log")" "$(cat "$d/init.err" "$d/guest.log" 2>/dev/null)"
	fi
	i=0
	for t in $TESTS; do
		i=$((i + 1))
		grep '^# verifier' "$d/$i.tap" 2>/dev/null | sed "s|^# |# $kv: |"
		if [ -f "$d/$i.rc" ] && tap_file_ok "$d/$i.tap" "$(cat "$d/$i.rc")"; then
			tap_pass "$k: $t ($(grep -c '^ok ' "$d/$i.tap") ok)"
		else
			tap_fail "$k: $t" "exit $(cat "$d/$i.rc" 2>/dev/null)" \
				"$(grep -v '^ok ' "$d/$i.tap" 2>/dev/null | tail -n 40)" \
				"$(tail -n 40 "$d/$i.err" 2>/dev/null)"
		fi
	done
done
tap_diag "QEMU tier: $nk kernels in parallel, $(($(date +%s) - start)) s wall"
tap_done
