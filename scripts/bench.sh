#!/usr/bin/env bash
# argo-backup's benchmark (`make bench`, needs root): argo-backup push and
# restore against the shell pipeline a user would write and against the
# floor, `btrfs send > /dev/null`, on the same snapshot in the same run.
#
#   sudo make bench                       # ~1.5 GB of real files, 3 rounds
#   sudo BENCH_QUICK=1 make bench         # ~300 MB, 2 rounds, 2-3 minutes
#   sudo ./scripts/bench.sh               # with bin/argo-backup already built
#
# Environment:
#   BENCH_QUICK=1       smaller data set, fewer rounds
#   BENCH_ROUNDS=N      rounds per measurement (default 3, quick 2)
#   BENCH_DOUBLE=0      skip the doubled-data RSS run
#   BENCH_DIR=DIR       scratch directory (default: mktemp under /var/tmp)
#   BENCH_PART_SIZE=S   argo-backup part_size (default: the config default)
#   BENCH_OUT=FILE      also write the results table (markdown) to FILE
#   ARGO_BIN=PATH       the binary to measure (default bin/argo-backup)
#   BENCH_WAN=0         skip the WAN remote (rclone serve webdav behind a
#                       throttling proxy, internal/testing/wanproxy)
#   BENCH_WAN_LATENCY   added to every request (default 40ms)
#   BENCH_WAN_RATE      cap per TCP connection and direction (default 8MB/s)
#   BENCH_WAN_ROUNDS    rounds on the WAN remote (default 1)
#   BENCH_WAN_PORT      first of two local ports to use (default 18741)
#   BENCH_DRIVE=0       skip the fake Google Drive API on the same line
#                       (internal/testing/drivefake/cmd/drivefake, with the
#                       WAN latency and rate); default: as BENCH_WAN
#   BENCH_INDEX=0       skip the file index at scale (scripts/bench/index.sh:
#                       a push of 1,000,000 generated files, and pushes
#                       with and without the index; its own knobs there)
#   BENCH_INDEX_READ=0  skip browsing big trees (scripts/bench/index-read.sh,
#                       whose BENCH_IDX_* knobs size it; default a million
#                       files and 365 daily backups: long)
#
# Rounds alternate (floor, shell, push, floor, shell, push, ...) so that
# noise from other load lands on every contender alike; the table shows
# medians. All measurements run on a warm page cache.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then rounds=${BENCH_ROUNDS:-2}; else rounds=${BENCH_ROUNDS:-3}; fi
double=${BENCH_DOUBLE:-1}
argo=${ARGO_BIN:-$repo/bin/argo-backup}
argo=$(readlink -f "$argo")
part_size=${BENCH_PART_SIZE:-}

die() { echo "bench: $*" >&2; exit 1; }
say() { printf '\n== bench: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (loop devices, btrfs send/receive): run it with sudo"
[ -x "$argo" ] || die "no binary at $argo: run 'make build' first"
for t in btrfs mkfs.btrfs mkfs.ext4 losetup zstd age age-keygen rclone restic /usr/bin/time; do
  command -v "$t" >/dev/null || die "$t is missing: run ./scripts/deps.sh --bench"
done

work=${BENCH_DIR:-$(mktemp -d /var/tmp/argo-bench.XXXXXX)}
mkdir -p "$work"
results=$work/results.tsv   # name round seconds maxrss_kib cpu_seconds
: >"$results"
mounts=()   # mount points we made, unmounted (and their loops freed) on exit

cleanup() {
  local rc=$?
  set +e
  stop_wan 2>/dev/null
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount_fs "${mounts[$i]}"
  done
  if [ "${BENCH_KEEP:-0}" != 1 ] && [ -z "${BENCH_DIR:-}" ]; then
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_fs DIR SIZE OPTIONS: a fresh btrfs on a sparse image, mounted at DIR.
# mount -o loop frees the loop device at umount.
new_fs() {
  local dir=$1 size=$2 opts=$3
  mkdir -p "$dir"
  rm -f "$dir.img"
  truncate -s "$size" "$dir.img"
  mkfs.btrfs -q -f -m single -d single "$dir.img" >/dev/null
  mount -o "loop,$opts" "$dir.img" "$dir"
  mounts+=("$dir")
}

# new_ext4 DIR SIZE: a fresh ext4 on a sparse image, mounted at DIR, for
# the native restore (no btrfs on the target).
new_ext4() {
  local dir=$1 size=$2
  mkdir -p "$dir"
  rm -f "$dir.img"
  truncate -s "$size" "$dir.img"
  mkfs.ext4 -q -F "$dir.img" >/dev/null
  mount -o loop,noatime "$dir.img" "$dir"
  mounts+=("$dir")
}

umount_fs() {
  local dir=$1
  if mountpoint -q "$dir"; then
    umount "$dir" || umount -l "$dir"
  fi
  rm -f "$dir.img"
}

# drop_fs DIR: unmount a filesystem made by new_fs now.
drop_fs() {
  local dir=$1 i
  umount_fs "$dir"
  for i in "${!mounts[@]}"; do
    [ "${mounts[$i]}" = "$dir" ] && unset 'mounts[i]'
  done
  mounts=("${mounts[@]}")
  return 0
}

# measure NAME ROUND CMD...: run CMD under /usr/bin/time and record wall
# seconds, peak RSS (KiB, of the largest process) and CPU seconds.
measure() {
  local name=$1 round=$2; shift 2
  sync
  local tf=$work/time.out
  if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$work/cmd.out" 2>&1; then
    tail -20 "$work/cmd.out" >&2
    die "$name (round $round) failed: $*"
  fi
  read -r secs rss user sys <"$tf"
  local cpu
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$secs" "$rss" "$cpu" >>"$results"
  printf '  %-22s round %s: %7.2f s  cpu %6.2f s  rss %6d MiB\n' "$name" "$round" "$secs" "$cpu" $((rss / 1024)) >&2
}


# ---------------------------------------------------------------- set up
if [ "$quick" = 1 ]; then
  sources=(/usr/local/go)
  src_size=4G
else
  sources=(/usr/local/go /usr/share /usr/lib/x86_64-linux-gnu)
  src_size=12G
fi
src=$work/src
say "source btrfs (compress=zstd:3,noatime) in $work, copying ${sources[*]}"
new_fs "$src" "$src_size" "compress=zstd:3,noatime"
btrfs -q subvolume create "$src/@data"
for s in "${sources[@]}"; do
  mkdir -p "$src/@data/$(basename "$s")"
  cp -a --reflink=never "$s/." "$src/@data/$(basename "$s")/" 2>/dev/null || true
done
sync
snap=$src/bench-snap
btrfs -q subvolume snapshot -r "$src/@data" "$snap"
raw1=$(btrfs send -q "$snap" | wc -c)
raw2=$(btrfs send -q --proto 2 --compressed-data "$snap" | wc -c)
zstd3=$(btrfs send -q --proto 2 --compressed-data "$snap" | zstd -3 -T0 -q -c | wc -c)
zstd3v1=$(btrfs send -q "$snap" | zstd -3 -T0 -q -c | wc -c)
files=$(find "$src/@data" -type f | wc -l)
say "data: $(du -sh --apparent-size "$src/@data" | cut -f1) in $files files; send stream v1 $((raw1 >> 20)) MiB, v2 --compressed-data $((raw2 >> 20)) MiB"

age-keygen -o "$work/identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/identity.txt")

# config ROUND: an argo-backup config with its own remote, state and
# snapshot directory, so every round is a full push.
config() {
  local r=$1 c=$work/argo-$1
  mkdir -p "$c"
  cat >"$c/config.yaml" <<EOF
host: bench
remote: "$c/remote"
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: true
${part_size:+part_size: $part_size}
subvolumes:
  - name: data
    path: $src/@data
    snapshot_dir: $src/@snaps-$r
    keep_local: 100
EOF
  mkdir -p "$src/@snaps-$r"
  echo "$c/config.yaml"
}

# drop_round ROUND: delete a round's local snapshots and remote.
drop_round() {
  local r=$1 s
  for s in "$src/@snaps-$r"/*; do
    [ -e "$s" ] && btrfs -q subvolume delete "$s" >/dev/null
  done
  rmdir "$src/@snaps-$r" 2>/dev/null || true
  rm -rf "$work/argo-$r"
}

stored_bytes() { find "$1" -type f -name 'part-*.zst.age' -printf '%s\n' | awk '{s+=$1} END{print s+0}'; }

# ---------------------------------------------------------------- full push
say "full backup: $rounds rounds, alternating floor / shell / argo-backup push"
shell_out=$work/shell
mkdir -p "$shell_out"
last_push=
for ((r = 1; r <= rounds; r++)); do
  measure floor-v1 "$r" bash -o pipefail -c "btrfs send -q '$snap' >/dev/null"
  measure floor-v2 "$r" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' >/dev/null"
  rm -f "$shell_out"/*
  measure shell-v1 "$r" bash -o pipefail -c "btrfs send -q '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone rcat '$shell_out/v1.zst.age'"
  measure shell-v2 "$r" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone rcat '$shell_out/v2.zst.age'"
  cfg=$(config "$r")
  measure push "$r" "$argo" -q --config "$cfg" push data
  if [ -n "$last_push" ]; then drop_round "$last_push"; fi
  last_push=$r
done
pushed=$(stored_bytes "$work/argo-$last_push/remote")
shell_v2_bytes=$(stat -c %s "$shell_out/v2.zst.age")
cfg=$work/argo-$last_push/config.yaml

# ---------------------------------------------------------------- restore
say "restore: $rounds rounds, alternating shell / argo-backup restore (btrfs) / native restore (ext4), each into a fresh filesystem"
dst_size=$(((raw1 * 3 / 2 >> 30) + 2))G
for ((r = 1; r <= rounds; r++)); do
  new_fs "$work/dst" "$dst_size" noatime
  measure shell-restore "$r" bash -o pipefail -c "rclone cat '$shell_out/v2.zst.age' | age -d -i '$work/identity.txt' | zstd -d -q | btrfs -q receive '$work/dst'"
  drop_fs "$work/dst"
  new_fs "$work/dst" "$dst_size" noatime
  measure restore "$r" "$argo" -q --config "$cfg" restore --to "$work/dst" data
  drop_fs "$work/dst"
  new_ext4 "$work/dst" "$dst_size"
  measure restore-native "$r" "$argo" -q --config "$cfg" restore --to "$work/dst" data
  drop_fs "$work/dst"
done

# ---------------------------------------------------------------- WAN remote
# A Drive-like line: rclone serve webdav (as a process) behind wanproxy,
# which adds latency to every request and caps every TCP connection. The
# shell pipeline streams through one connection; argo-backup moves
# `transfers` parts at once.
wan=${BENCH_WAN:-1}
drive=${BENCH_DRIVE:-$wan}
wan_latency=${BENCH_WAN_LATENCY:-40ms} wan_rate=${BENCH_WAN_RATE:-8MB}
wan_rounds=${BENCH_WAN_ROUNDS:-1}
wan_pids=()
stop_wan() {
  local p
  for p in "${wan_pids[@]}"; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done
  wan_pids=()
}
if [ "$wan" = 1 ]; then
  port=${BENCH_WAN_PORT:-18741}
  say "WAN remote: webdav behind a proxy adding $wan_latency per request, $wan_rate/s per connection; $wan_rounds round(s)"
  (cd "$repo" && go build -o "$work/wanproxy" ./internal/testing/wanproxy/cmd/wanproxy)
  mkdir -p "$work/wan-remote"
  rclone serve webdav "$work/wan-remote" --addr "127.0.0.1:$port" >"$work/webdav.log" 2>&1 &
  wan_pids+=($!)
  "$work/wanproxy" -listen "127.0.0.1:$((port + 1))" -target "http://127.0.0.1:$port" \
    -latency "$wan_latency" -rate "$wan_rate" >"$work/wanproxy.out" 2>"$work/wanproxy.log" &
  wan_pids+=($!)
  for _ in $(seq 50); do
    [ -s "$work/wanproxy.out" ] && rclone lsd --webdav-url "http://127.0.0.1:$port/" :webdav: >/dev/null 2>&1 && break
    sleep 0.2
  done
  wanurl=http://127.0.0.1:$((port + 1))/
  wanflags="--webdav-url $wanurl --webdav-vendor other"
  for ((r = 1; r <= wan_rounds; r++)); do
    rm -rf "$work/wan-remote/shell"
    measure wan-shell-push "$r" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone rcat $wanflags :webdav:shell/v2.zst.age"
    wcfg=$(config "wan$r")
    sed -i "s|^remote: .*|remote: \":webdav,url='$wanurl',vendor=other:argo-$r\"|" "$wcfg"
    measure wan-push "$r" "$argo" -q --config "$wcfg" push data
    new_fs "$work/dst" "$dst_size" noatime
    measure wan-shell-restore "$r" bash -o pipefail -c "rclone cat $wanflags :webdav:shell/v2.zst.age | age -d -i '$work/identity.txt' | zstd -d -q | btrfs -q receive '$work/dst'"
    drop_fs "$work/dst"
    new_fs "$work/dst" "$dst_size" noatime
    measure wan-restore "$r" "$argo" -q --config "$wcfg" restore --to "$work/dst" data
    drop_fs "$work/dst"
    drop_round "wan$r"
    rm -rf "$work/wan-remote/argo-$r"
  done
  stop_wan
  cat "$work/wanproxy.log" >&2
fi

# ---------------------------------------------------------------- WAN Drive
# The same line in front of the fake Google Drive API (as a process): the
# unmodified rclone drive backend, in argo-backup and in the rclone
# command, reaches it as an HTTPS proxy (HTTPS_PROXY, and SSL_CERT_FILE for
# its CA). Parts of 32 MiB go up as resumable sessions in 8 MiB chunks, a
# request each; the shell's rcat streams one session of unknown size.
if [ "$drive" = 1 ]; then
  say "WAN Drive: the fake Drive API adding $wan_latency per request, $wan_rate/s per connection; $wan_rounds round(s)"
  (cd "$repo" && go build -o "$work/drivefake" ./internal/testing/drivefake/cmd/drivefake)
  dconf=$work/drive-rclone.conf
  "$work/drivefake" -latency "$wan_latency" -rate "$wan_rate" -conf "$dconf" -env "$work/drive.env" \
    >"$work/drivefake.out" 2>"$work/drivefake.log" &
  wan_pids+=($!)
  for _ in $(seq 100); do [ -s "$work/drivefake.out" ] && break; sleep 0.1; done
  [ -s "$work/drivefake.out" ] || die "drivefake did not start: $(cat "$work/drivefake.log")"
  mapfile -t denv <"$work/drive.env"
  for ((r = 1; r <= wan_rounds; r++)); do
    measure drive-shell-push "$r" env "${denv[@]}" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone --config '$dconf' rcat fakedrive:shell/v2.zst.age"
    dcfg=$(config "drive$r")
    sed -i "s|^remote: .*|remote: \"fakedrive:argo-$r\"\nrclone_config: $dconf|" "$dcfg"
    measure drive-push "$r" env "${denv[@]}" "$argo" -q --config "$dcfg" push data
    new_fs "$work/dst" "$dst_size" noatime
    measure drive-shell-restore "$r" env "${denv[@]}" bash -o pipefail -c "rclone --config '$dconf' cat fakedrive:shell/v2.zst.age | age -d -i '$work/identity.txt' | zstd -d -q | btrfs -q receive '$work/dst'"
    drop_fs "$work/dst"
    new_fs "$work/dst" "$dst_size" noatime
    measure drive-restore "$r" env "${denv[@]}" "$argo" -q --config "$dcfg" restore --to "$work/dst" data
    drop_fs "$work/dst"
    drop_round "drive$r"
    # The fake keeps what it stores in memory.
    env "${denv[@]}" rclone --config "$dconf" purge "fakedrive:argo-$r" >/dev/null 2>&1 || true
    env "${denv[@]}" rclone --config "$dconf" purge fakedrive:shell >/dev/null 2>&1 || true
  done
  stop_wan
  cat "$work/drivefake.log" >&2
fi

# ---------------------------------------------------------------- incremental
say "incremental: $rounds rounds of ~20 MB changed, argo-backup push against restic"
restic_repo=$work/restic
export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR=$work/restic-cache
restic init -q -r "$restic_repo" >/dev/null
measure restic-full 1 restic -q -r "$restic_repo" backup "$src/@data"
# change ROUND: ~20 MB of new files (real ones, varying by round) and
# appended lines in 200 existing files.
change() {
  local r=$1 dst=$src/@data/change-$r
  mkdir -p "$dst"
  find /usr/lib/x86_64-linux-gnu -type f -size +16k -size -2M -printf '%s %p\n' | sort -k2 |
    awk -v r="$r" 'NR % 7 == r % 7 { s += $1; print $2; if (s > 20*1024*1024) exit }' |
    while read -r f; do cp "$f" "$dst/$(echo "$f" | tr / _)"; done
  find "$src/@data/go/src" -name '*.go' | sort | awk -v r="$r" 'NR % 97 == r' | head -200 |
    while read -r f; do echo "// bench change $r" >>"$f"; done
  sync
}
for ((r = 1; r <= rounds; r++)); do
  change "$r"
  if ((r % 2)); then
    measure push-incr "$r" "$argo" -q --config "$cfg" push data
    measure restic-incr "$r" restic -q -r "$restic_repo" backup "$src/@data"
  else
    measure restic-incr "$r" restic -q -r "$restic_repo" backup "$src/@data"
    measure push-incr "$r" "$argo" -q --config "$cfg" push data
  fi
done
stored_incr=$((($(stored_bytes "$work/argo-$last_push/remote") - pushed) / rounds))
mapfile -t incr_snaps < <(ls -d "$src/@snaps-$last_push"/* | sort)
raw_incr=$(btrfs send -q -p "${incr_snaps[-2]}" "${incr_snaps[-1]}" | wc -c)
drop_round "$last_push"
rm -rf "$restic_repo" "$work/restic-cache" "$shell_out"

# ---------------------------------------------------------------- doubled
if [ "$double" = 1 ]; then
  say "doubled data: one push and one restore for peak RSS"
  for s in "${sources[@]}"; do
    mkdir -p "$src/@data/copy2/$(basename "$s")"
    cp -a --reflink=never "$s/." "$src/@data/copy2/$(basename "$s")/" 2>/dev/null || true
  done
  sync
  cfg=$(config x2)
  measure push-x2 1 "$argo" -q --config "$cfg" push data
  raw_x2=$(btrfs send -q "$src/@snaps-x2"/* | wc -c)
  new_fs "$work/dst" "$(((raw1 * 3 >> 30) + 2))G" noatime
  measure restore-x2 1 "$argo" -q --config "$cfg" restore --to "$work/dst" data
  drop_fs "$work/dst"
  new_ext4 "$work/dst" "$(((raw1 * 3 >> 30) + 2))G"
  measure restore-native-x2 1 "$argo" -q --config "$cfg" restore --to "$work/dst" data
  drop_fs "$work/dst"
  drop_round x2
fi

# ---------------------------------------------------------------- browsing big trees
# ls of a directory of 100,000 entries and find --all over a year of daily
# backups of a generated tree, in a script of its own (its knobs are there).
index_read=${BENCH_INDEX_READ:-1}
if [ "$index_read" = 1 ]; then
  say "browsing big trees (scripts/bench/index-read.sh)"
  ARGO_BIN="$argo" BENCH_DIR="$work/index-read" BENCH_OUT= "$here/bench/index-read.sh" >"$work/index-read.md"
fi

# ---------------------------------------------------------------- report
{
  echo "raw_v1	$raw1"
  echo "raw_v2	$raw2"
  echo "zstd3_v2	$zstd3"
  echo "zstd3_v1	$zstd3v1"
  echo "stored_push	$pushed"
  echo "stored_shell_v2	$shell_v2_bytes"
  echo "files	$files"
  echo "raw_incr	$raw_incr"
  echo "stored_incr	$stored_incr"
  echo "raw_x2	${raw_x2:-0}"
  echo "rounds	$rounds"
} >"$work/sizes.tsv"
table=$(awk -f "$here/bench/report.awk" "$work/sizes.tsv" "$results")
echo
echo "argo-backup bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, $rounds rounds$([ "$quick" = 1 ] && echo ", BENCH_QUICK")${part_size:+, part_size $part_size}$([ "$wan" = 1 ] || [ "$drive" = 1 ] && echo ", WAN $wan_latency + $wan_rate/s per connection")"
echo
echo "$table"
if [ "$index_read" = 1 ]; then cat "$work/index-read.md"; fi
if [ -n "${BENCH_OUT:-}" ]; then
  cp "$results" "${BENCH_OUT%.md}.tsv"
  echo "$table" >"$BENCH_OUT"
fi

# ---------------------------------------------------------------- index
if [ "${BENCH_INDEX:-1}" = 1 ]; then
  say "the file index at scale (scripts/bench/index.sh)"
  ARGO_BIN="$argo" BENCH_OUT_INDEX="${BENCH_OUT:+${BENCH_OUT%.md}-index.md}" "$here/bench/index.sh"
fi
