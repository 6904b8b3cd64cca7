#!/usr/bin/env bash
# tools/chroot.sh — run the whole test suite against PostgreSQL 17 or 18
# from Debian's packages, inside a Debian chroot under build/ (git-ignored;
# nothing is kept outside the clone).
#
#   tools/chroot.sh prepare N       debootstrap build/chroot-N from the Debian
#                                   suite that packages PostgreSQL N (17:
#                                   trixie, 18: forky) and run tools/deps.sh N
#                                   inside it; a prepared chroot is reused
#   tools/chroot.sh test N [ARGS]   copy the tree into the chroot and run
#                                   tools/test.sh ARGS there, as root inside
#                                   the chroot (the tests run as its postgres
#                                   user); exits with the suite's status
#   tools/chroot.sh run N CMD...    run CMD inside the prepared chroot (a
#                                   shell to try something on that release)
#
# /proc, /dev, /dev/pts (IO::Pty) and /dev/shm (PostgreSQL's shared memory)
# are mounted into the chroot while a step runs and unmounted after, also
# on failure or interrupt.  Needs root and debootstrap (tools/deps.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: chroot.sh prepare|test|run 17|18 [tools/test.sh arguments | command]" >&2; exit 2; }
step=${1:-}
major=${2:-}
[ $# -ge 2 ] || usage
shift 2
case "$major" in
17) suite=trixie ;;
18) suite=forky ;;
*) usage ;;
esac
root="$top/build/chroot-$major"
mirror=${SCHEMAMIG_DEBIAN_MIRROR:-http://deb.debian.org/debian}

mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" || umount -l "${mounted[i]}" || true
  done
  mounted=()
}
trap unmount_all EXIT INT TERM
mount_into_chroot() {
  mkdir -p "$root/proc" "$root/dev"
  mount -t proc proc "$root/proc"
  mounted+=("$root/proc")
  mount --bind /dev "$root/dev"
  mounted+=("$root/dev")
  for d in /dev/pts /dev/shm; do
    if mountpoint -q "$d"; then
      mount --bind "$d" "$root$d"
      mounted+=("$root$d")
    fi
  done
}

in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH="/usr/lib/postgresql/$major/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    ${SCHEMAMIG_TEST_PORT:+SCHEMAMIG_TEST_PORT=$SCHEMAMIG_TEST_PORT} \
    SCHEMAMIG_SKIP_CPPCHECK="the source is checked once, by the PostgreSQL 15 run on the host" \
    "$@"
}

case "$step" in
prepare)
  if [ ! -f "$root/.schemamig-prepared" ]; then
    if [ ! -x "$root/usr/bin/apt-get" ]; then
      rm -rf "$root"
      mkdir -p "$top/build"
      debootstrap --variant=minbase "$suite" "$root" "$mirror" \
        /usr/share/debootstrap/scripts/sid >"$root.debootstrap.log" 2>&1 \
        || { tail -20 "$root.debootstrap.log"; exit 1; }
    fi
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # a suite under development can carry an expired Release file
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99schemamig"
    # no services started and no default cluster created by the packages:
    # the suite starts throwaway clusters of its own
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod +x "$root/usr/sbin/policy-rc.d"
    mkdir -p "$root/etc/postgresql-common"
    echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.conf"
    mkdir -p "$root/schemamig-tools"
    cp "$top/tools/deps.sh" "$root/schemamig-tools/"
    mount_into_chroot
    in_chroot /schemamig-tools/deps.sh "$major"
    touch "$root/.schemamig-prepared"
  fi
  ;;
test)
  [ -f "$root/.schemamig-prepared" ] || { echo "chroot.sh: run 'tools/chroot.sh prepare $major' first" >&2; exit 1; }
  rm -rf "$root/schemamig"
  mkdir -p "$root/schemamig"
  tar -C "$top" --exclude=./.git --exclude=./build --exclude=./results --exclude=./tmp_check \
    --exclude="*.o" --exclude="*.so" --exclude=./cli/schemamig -cf - . | tar -C "$root/schemamig" -xf -
  mount_into_chroot
  set +e
  in_chroot /bin/bash -c 'cd /schemamig && exec tools/test.sh "$@"' test.sh "$@"
  status=$?
  set -e
  exit "$status"
  ;;
run)
  [ -f "$root/.schemamig-prepared" ] || { echo "chroot.sh: run 'tools/chroot.sh prepare $major' first" >&2; exit 1; }
  [ $# -gt 0 ] || usage
  mount_into_chroot
  set +e
  in_chroot "$@"
  status=$?
  set -e
  exit "$status"
  ;;
*) usage ;;
esac
