#!/usr/bin/env bash
# Installs what argo-backup's demo and tests need on a Debian/Ubuntu machine:
# btrfs-progs (mkfs.btrfs, btrfs send/receive); rclone, age and zstd for
# the test of formats.md's restore by hand with the stock tools (and the
# benchmark's shell pipeline); e2fsprogs and xfsprogs for the native restore
# tests onto ext4 and xfs (reflinks). Go itself must already be installed.
set -euo pipefail

need=()
command -v mkfs.btrfs >/dev/null 2>&1 || need+=(btrfs-progs)
command -v losetup >/dev/null 2>&1 || need+=(mount)
command -v script >/dev/null 2>&1 || need+=(bsdutils)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v age >/dev/null 2>&1 || need+=(age)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
command -v mkfs.ext4 >/dev/null 2>&1 || need+=(e2fsprogs)
command -v mkfs.xfs >/dev/null 2>&1 || need+=(xfsprogs)
if [ "${1:-}" = "--bench" ]; then
  command -v restic >/dev/null 2>&1 || need+=(restic)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${need[*]}: run as root (sudo) so they can be installed with apt-get" >&2
  exit 2
fi
echo "deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
