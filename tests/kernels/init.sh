#!/bin/busybox sh
# tests/kernels/init.sh - /init of the QEMU tier's initramfs (busybox-static
# and the guest kernel's 9p modules, nothing else). Mounts the host's root
# read-only over virtio-9p with tmpfs where tests write, chroots into it and
# runs tests/kernels/guest.sh, whose TAP goes to the read-write "out" share;
# then powers off, which ends QEMU.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
while read -r m; do insmod "/mod/$m" || echo "init: insmod $m failed"; done </mod/order
R=/newroot
mkdir -p $R /out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /out || echo "init: no out share"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro,cache=loose hostroot $R ||
	{ echo "init: cannot mount the host root" >/out/init.err; poweroff -f; }
. /out/env
for d in tmp run var/tmp root; do mount -t tmpfs tmpfs "$R/$d"; done
mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
mount -t bpf bpf $R/sys/fs/bpf
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
# the tree (and its build output) as shares of their own: they stay visible
# wherever they are, /tmp included
for s in top:$LS_TOP output:$LS_OUTPUT; do
	mkdir -p "$R${s#*:}" 2>/dev/null
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro,cache=loose "${s%%:*}" "$R${s#*:}" ||
		echo "init: cannot mount ${s#*:}"
done
mkdir -p $R/tmp/out
mount --bind /out $R/tmp/out
# The kernel's module autoloader runs /sbin/modprobe in this root, not the
# chroot's; the host has no modules of this kernel: use the unpacked image's.
mkdir -p /sbin
printf '#!/bin/sh\nexec chroot %s /sbin/modprobe -d %s "$@"\n' "$R" "$LS_GUEST_KDIR" >/sbin/modprobe
chmod 755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe
chroot $R /bin/sh "$LS_TOP/tests/kernels/guest.sh" >/out/guest.log 2>&1
echo "$?" >/out/guest.rc
sync
poweroff -f
