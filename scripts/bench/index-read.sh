#!/usr/bin/env bash
# Browsing big trees (issue 13), a part of `make bench` (bench.sh calls it;
# BENCH_INDEX_READ=0 skips it there), or alone, as root:
#
#   sudo ./scripts/bench/index-read.sh                     # ~10 minutes
#   sudo BENCH_IDX_DAYS=365 ./scripts/bench/index-read.sh  # a year: ~40 minutes
#
# A generated tree (internal/testing/bigtree: one directory of
# BENCH_IDX_BIG entries, BENCH_IDX_FILES small files in all) is pushed
# once, then BENCH_IDX_DAYS daily incrementals of a few changes each (three
# files appended to, two added, one renamed; a file added to the big
# directory every 7th day, a directory of 1,000 files renamed every 30th).
# Then, each with an empty index cache (cold: the indexes are downloaded
# from the local remote) and again with it filled (warm):
#   ls of the big directory in the latest backup: time to the first line,
#   in all, peak RSS;
#   find 'report-*' --all: every backup's matches, wall and peak RSS.
#
# Environment:
#   BENCH_IDX_FILES=N  files in all (default 110000)
#   BENCH_IDX_BIG=N    entries of the big directory (default 100000)
#   BENCH_IDX_DAYS=N   daily incrementals (default 60; the figures in
#                      docs/performance.md are of 365)
#   ARGO_BIN=PATH      the binary measured (default bin/argo-backup)
#   ARGO_OLD_BIN=PATH  another binary measured on the same backups, e.g. one
#                      built from an older commit (before: find --all built
#                      and walked every backup's whole tree)
#   BENCH_DIR=DIR      scratch directory (default: mktemp under /var/tmp)
#   BENCH_KEEP=1       keep the scratch directory
#   BENCH_OUT=FILE     also write the results table (markdown) to FILE
#   BENCH_IDX_REUSE=1  with BENCH_DIR a kept scratch directory of an earlier
#                      run: browse its backups again (other binaries),
#                      skipping the tree and the pushes
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
files=${BENCH_IDX_FILES:-110000}
big=${BENCH_IDX_BIG:-100000}
days=${BENCH_IDX_DAYS:-60}
argo=$(readlink -f "${ARGO_BIN:-$repo/bin/argo-backup}")
old=${ARGO_OLD_BIN:+$(readlink -f "$ARGO_OLD_BIN")}

die() { echo "bench index-read: $*" >&2; exit 1; }
say() { printf '\n== bench index-read: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (a loop btrfs, snapshots): run it with sudo"
[ -x "$argo" ] || die "no binary at $argo: run 'make build' first"
[ -z "$old" ] || [ -x "$old" ] || die "ARGO_OLD_BIN=$ARGO_OLD_BIN is not an executable"
((big < files)) || die "BENCH_IDX_BIG ($big) must be below BENCH_IDX_FILES ($files)"
for t in btrfs mkfs.btrfs age-keygen /usr/bin/time go; do
  command -v "$t" >/dev/null || die "$t is missing: run ./scripts/deps.sh --bench"
done

work=${BENCH_DIR:-$(mktemp -d /var/tmp/argo-bench-idx.XXXXXX)}
mkdir -p "$work"
src=$work/src
cleanup() {
  local rc=$?
  set +e
  if mountpoint -q "$src"; then umount "$src" || umount -l "$src"; fi
  rm -f "$src.img"
  if [ "${BENCH_KEEP:-0}" != 1 ] && [ -z "${BENCH_DIR:-}" ]; then rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

reuse=0
if [ "${BENCH_IDX_REUSE:-0}" = 1 ]; then
  [ -f "$work/setup.env" ] || die "BENCH_IDX_REUSE=1: $work has no earlier run's backups (setup.env)"
  reuse=1
fi
(cd "$repo" && go build -o "$work/bigtree" ./internal/testing/bigtree/cmd/bigtree)
cfg=$work/config.yaml
if [ "$reuse" = 0 ]; then
mkdir -p "$src"
truncate -s 16G "$src.img"
mkfs.btrfs -q -f -m single -d single "$src.img" >/dev/null
mount -o loop,noatime "$src.img" "$src" # a loop that umount frees
btrfs -q subvolume create "$src/@data"
mkdir -p "$src/@snaps"

say "generating $files files ($big in one directory)"
t0=$(date +%s.%N)
"$work/bigtree" -files "$files" -big "$big" "$src/@data"
sync
gen_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b-a}')

age-keygen -o "$work/identity.txt" 2>/dev/null
cat >"$cfg" <<EOC
host: bench
remote: "$work/remote"
recipients: ["$(age-keygen -y "$work/identity.txt")"]
identity: $work/identity.txt
state_dir: $work/state
subvolumes:
  - name: data
    path: $src/@data
    snapshot_dir: $src/@snaps
    keep_local: 2
EOC

fi
results=$work/index-read.tsv # name wall first_line rss_kib cpu lines
: >"$results"
# run NAME CMD...: CMD under /usr/bin/time; its output is counted, and the
# moment its first line arrives noted.
run() {
  local name=$1; shift
  local t0 first secs rss user sys lines
  sync
  t0=$(date +%s.%N)
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" 2>"$work/err.out" |
    { if IFS= read -r _; then date +%s.%N >"$work/first"; echo $(($(wc -l) + 1)) >"$work/lines"; else echo "$t0" >"$work/first"; echo 0 >"$work/lines"; fi; }; then
    tail -5 "$work/err.out" >&2
    die "$name failed: $*"
  fi
  read -r secs rss user sys < <(tail -1 "$work/time.out")
  first=$(awk -v a="$t0" -v b="$(cat "$work/first")" 'BEGIN{printf "%.2f", b-a}')
  lines=$(cat "$work/lines")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "$first" "$rss" "$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" "$lines" >>"$results"
  printf '  %-28s %7.2f s (first line %6.2f s)  rss %5d MiB  %d lines\n' "$name" "$secs" "$first" $((rss / 1024)) "$lines" >&2
}

if [ "$reuse" = 0 ]; then
say "full push"
run push-full "$argo" -q --config "$cfg" push data
say "$days daily incrementals"
t0=$(date +%s.%N)
for ((d = 1; d <= days; d++)); do
  "$work/bigtree" -files "$files" -big "$big" -day "$d" "$src/@data"
  "$argo" -q --config "$cfg" push data
done
push_secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
index_bytes=$(find "$work/remote" -type f -name '*index*' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
printf 'files=%s big=%s days=%s gen_secs=%s push_secs=%s index_bytes=%s\n' "$files" "$big" "$days" "$gen_secs" "$push_secs" "$index_bytes" >"$work/setup.env"
# Browsing reads the remote only: the source filesystem can go.
umount "$src" && rm -f "$src.img"
fi
# shellcheck source=/dev/null
. "$work/setup.env"

# browse LABEL BIN: ls and find --all, cold (no index cache) and warm.
browse() {
  local label=$1 bin=$2 pass
  for pass in cold warm; do
    [ "$pass" = cold ] && rm -rf "$work/state/cache/index"
    run "$label ls big dir ($pass)" "$bin" -q --config "$cfg" ls data:latest /big
    [ "$pass" = cold ] && rm -rf "$work/state/cache/index"
    run "$label find --all ($pass)" "$bin" -q --config "$cfg" find 'report-*' --all
  done
}
say "browsing"
browse new "$argo"
[ -n "$old" ] && browse old "$old"

table=$(
  echo "| measurement | wall s | first line s | peak RSS MiB | CPU s | lines |"
  echo "|---|---:|---:|---:|---:|---:|"
  awk -F'\t' '{printf "| %s | %.2f | %.2f | %d | %.2f | %d |\n", $1, $2, $3, $4/1024, $5, $6}' "$results"
)
echo
echo "argo-backup bench, browsing big trees, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "$files files ($big in one directory, generated in ${gen_secs}s), $days daily incrementals pushed in ${push_secs}s, index objects $((index_bytes >> 10)) KiB stored"
echo
echo "$table"
if [ -n "${BENCH_OUT:-}" ]; then echo "$table" >"$BENCH_OUT"; fi
