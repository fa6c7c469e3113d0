#!/usr/bin/env bash
# The file index at scale, part of `make bench` (scripts/bench.sh runs it
# last; BENCH_INDEX=0 skips it), or alone: sudo ./scripts/bench/index.sh
#
#  1. A generated tree of BENCH_INDEX_FILES (default 1,000,000) small files
#     (internal/testing/manyfiles) on a loop btrfs: one full push under
#     /usr/bin/time (wall, CPU, peak RSS) and the index's stored bytes.
#  2. A real tree (/usr/local/go, BENCH_INDEX_TREE): full pushes with and
#     without the file index (push's hidden --skip-index), alternating,
#     BENCH_INDEX_ROUNDS each (default 3): time, and index bytes / stored.
#
# Environment: ARGO_BIN (default bin/argo-backup), BENCH_DIR (scratch,
# default a mktemp under /var/tmp), BENCH_INDEX_FILES, BENCH_INDEX_ROUNDS,
# BENCH_INDEX_TREE, BENCH_OUT_INDEX (also write the table to this file).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
argo=$(readlink -f "${ARGO_BIN:-$repo/bin/argo-backup}")
files=${BENCH_INDEX_FILES:-1000000}
rounds=${BENCH_INDEX_ROUNDS:-3}
tree=${BENCH_INDEX_TREE:-/usr/local/go}

die() { echo "bench-index: $*" >&2; exit 1; }
say() { printf '\n== bench-index: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "needs root (loop devices, btrfs send): run it with sudo"
[ -x "$argo" ] || die "no binary at $argo: run 'make build' first"
for t in btrfs mkfs.btrfs age-keygen /usr/bin/time go; do
  command -v "$t" >/dev/null || die "$t is missing: run ./scripts/deps.sh --bench"
done

work=$(mktemp -d "${BENCH_DIR:-/var/tmp}/argo-bench-index.XXXXXX")
mounts=()
cleanup() {
  local rc=$? i
  set +e
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "${mounts[$i]}" && { umount "${mounts[$i]}" || umount -l "${mounts[$i]}"; }
  done
  [ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# new_fs DIR SIZE: a fresh btrfs on a sparse image (mount -o loop frees
# its loop device at umount).
new_fs() {
  mkdir -p "$1"
  truncate -s "$2" "$1.img"
  mkfs.btrfs -q -f -m single -d single "$1.img" >/dev/null
  mount -o loop,noatime "$1.img" "$1"
  mounts+=("$1")
}

results=$work/results.tsv # name round seconds maxrss_kib cpu_seconds
: >"$results"
measure() {
  local name=$1 round=$2; shift 2
  sync
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" >"$work/cmd.out" 2>&1; then
    tail -20 "$work/cmd.out" >&2
    die "$name (round $round) failed: $*"
  fi
  local secs rss user sys
  read -r secs rss user sys <"$work/time.out"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$secs" "$rss" "$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')" >>"$results"
  printf '  %-16s round %s: %7.2f s  rss %6d MiB\n' "$name" "$round" "$secs" $((rss / 1024)) >&2
}

"$argo" keygen -o "$work/identity.txt" >/dev/null 2>&1 || die "keygen failed"
recipient=$(age-keygen -y "$work/identity.txt")

# config NAME SOURCE: a config with its own remote and state, so every
# push is a full one.
config() {
  local c=$work/argo-$1
  mkdir -p "$c" "$2-snaps-$1"
  cat >"$c/config.yaml" <<CFG
host: bench
remote: "$c/remote"
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: true
subvolumes:
  - name: data
    path: $2
    snapshot_dir: $2-snaps-$1
    keep_local: 100
CFG
  echo "$c/config.yaml"
}
bytes_of() { find "$1" -type f -name "$2" -printf '%s\n' | awk '{s+=$1} END{print s+0}'; }

# ---------------------------------------------------------------- 1M files
say "generated tree: $files small files"
new_fs "$work/many" 16G
btrfs -q subvolume create "$work/many/@many"
(cd "$repo" && go build -o "$work/manyfiles" ./internal/testing/manyfiles/cmd/manyfiles)
gen_start=$(date +%s)
"$work/manyfiles" -dir "$work/many/@many" -files "$files" >&2
sync
say "generated in $(($(date +%s) - gen_start)) s"
cfg=$(config many "$work/many/@many")
measure push-many 1 "$argo" -q --config "$cfg" push data
many_index=$(bytes_of "$work/argo-many/remote" 'index.jsonl.zst.age')
many_parts=$(bytes_of "$work/argo-many/remote" 'part-*.zst.age')
many_plain=$(find "$work/argo-many/state/index" -name '*.jsonl' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
umount "$work/many" && rm -f "$work/many.img"

# ---------------------------------------------------------------- real tree
say "real tree ($tree): $rounds rounds of push with and without the index, alternating"
new_fs "$work/real" 4G
btrfs -q subvolume create "$work/real/@data"
cp -a --reflink=never "$tree/." "$work/real/@data/" 2>/dev/null || true
sync
real_files=$(find "$work/real/@data" -type f | wc -l)
for ((r = 1; r <= rounds; r++)); do
  for kind in with without; do
    [ $((r % 2)) = 0 ] && kind=$([ "$kind" = with ] && echo without || echo with)
    c=$(config "$kind-$r" "$work/real/@data")
    flags=()
    [ "$kind" = without ] && flags=(--skip-index)
    measure "push-$kind" "$r" "$argo" -q --config "$c" push "${flags[@]}" data
  done
done
real_index=$(bytes_of "$work/argo-with-1/remote" 'index.jsonl.zst.age')
real_parts=$(bytes_of "$work/argo-with-1/remote" 'part-*.zst.age')

# ---------------------------------------------------------------- report
median() { awk -F'\t' -v n="$1" -v col="$2" '$1 == n {print $col}' "$results" | sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mib() { awk -v b="$1" 'BEGIN{printf "%.1f MiB", b/1048576}'; }
with=$(median push-with 3) without=$(median push-without 3)
with_cpu=$(median push-with 5) without_cpu=$(median push-without 5)
table=$(
  echo "| measurement | value |"
  echo "|---|---|"
  echo "| generated tree: files | $files |"
  echo "| push of it: wall / CPU | $(median push-many 3) s / $(median push-many 5) s |"
  echo "| push of it: peak RSS | $(($(median push-many 4) / 1024)) MiB |"
  echo "| its index: stored / plain | $(mib "$many_index") / $(mib "$many_plain") ($(awk -v a="$many_index" -v f="$files" 'BEGIN{printf "%.1f", a/f}') bytes a file stored) |"
  echo "| its index / its stored parts | $(awk -v a="$many_index" -v b="$many_parts" 'BEGIN{printf "%.2f%%", 100*a/b}') |"
  echo "| real tree ($tree): files | $real_files |"
  echo "| its index / its stored parts | $(mib "$real_index") / $(mib "$real_parts") = $(awk -v a="$real_index" -v b="$real_parts" 'BEGIN{printf "%.2f%%", 100*a/b}') |"
  echo "| push with / without index, wall (median of $rounds) | $with s / $without s = $(awk -v a="$with" -v b="$without" 'BEGIN{printf "%+.1f%%", 100*(a/b-1)}') |"
  echo "| push with / without index, CPU (median of $rounds) | $with_cpu s / $without_cpu s = $(awk -v a="$with_cpu" -v b="$without_cpu" 'BEGIN{printf "%+.1f%%", 100*(a/b-1)}') |"
)
echo
echo "argo-backup index bench, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "$table"
[ -z "${BENCH_OUT_INDEX:-}" ] || echo "$table" >"$BENCH_OUT_INDEX"
