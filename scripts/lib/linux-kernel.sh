# shellcheck shell=bash
# Shared by linux-dom0-check and linux-domu-check: sourced, not run (after
# common.sh). Fetches Debian's stock kernel as an ELF vmlinux and builds the
# busybox initramfs whose /init prints a marker and powers off.
#
# The caller sets WORK (a scratch directory), PACKAGE (empty: the one
# linux-image-amd64 depends on) and optionally PACKAGE_DEB (an already
# downloaded .deb to use instead of apt-get download).

# The line /init prints once Linux has run it.
readonly LINUX_MARKER=PARAVANE-LINUX-INITRAMFS-OK

linux_ensure_tools() {
  local missing=()
  [ -x /bin/busybox ] && file -L /bin/busybox | grep -q 'statically linked' || missing+=(busybox-static)
  command -v cpio >/dev/null || missing+=(cpio)
  command -v xz >/dev/null || missing+=(xz-utils)
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
}

# Leaves the ELF kernel in $WORK/vmlinux and names its package in PACKAGE.
linux_fetch_kernel() {
  local deb
  if [ -n "${PACKAGE_DEB:-}" ]; then
    deb=$PACKAGE_DEB
    [ -f "$deb" ] || die "$deb: no such file"
    PACKAGE=$(dpkg-deb -f "$deb" Package)
  else
    if [ -z "$PACKAGE" ]; then
      PACKAGE=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
      [ -n "$PACKAGE" ] || die "cannot tell which package linux-image-amd64 depends on (apt-get update?)"
    fi
    say "downloading $PACKAGE"
    (cd "$WORK" && apt-get download "$PACKAGE" >download.log 2>&1) ||
      { cat "$WORK/download.log" >&2; die "apt-get download $PACKAGE failed"; }
    deb=$(echo "$WORK"/"$PACKAGE"_*.deb)
  fi
  dpkg-deb -x "$deb" "$WORK/pkg"
  local image
  image=$(find "$WORK/pkg/boot" -name 'vmlinuz-*' | head -n 1)
  [ -n "$image" ] || die "$PACKAGE has no /boot/vmlinuz-*"
  "$PARAVANE_ROOT/scripts/lib/extract-vmlinux" "$image" "$WORK/vmlinux"
}

# Writes $WORK/initramfs.cpio. No device nodes in the archive (that would
# need root): the kernel finds no /dev/console, so /init mounts devtmpfs and
# opens the console itself.
linux_build_initramfs() {
  local root=$WORK/initramfs
  mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
  cp /bin/busybox "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  cat >"$root/init" <<INIT
#!/bin/sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo "$LINUX_MARKER"
/bin/busybox uname -a
/bin/busybox poweroff -f
INIT
  chmod +x "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet) >"$WORK/initramfs.cpio"
}
