#!/usr/bin/env bash
# Measures variants of argo-backup push and restore against each other on
# one snapshot, rounds alternating (A B C A B C ...), medians reported.
# For trying levers (part size, workers, read-ahead, GOGC, a patched
# binary) before changing a default. Needs root.
#
#   sudo scripts/bench/levers.sh 'base:' 'p16:PART=16MiB' 'w1:ARGO_WORKERS=1' \
#        'lim:GOMEMLIMIT=192MiB' 'patched:BIN=/tmp/argo-patched'
#
# A variant is LABEL:SETTINGS, SETTINGS space-separated VAR=value: PART
# (part_size), SEND2 (send_compressed_data, 1 or 0), BIN (binary), anything
# else goes to the environment of argo-backup.
# Environment: BENCH_ROUNDS (default 3), BENCH_DATA (directories to copy,
# default "/usr/local/go /usr/share"), ARGO_BIN (default bin/argo-backup).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${BENCH_ROUNDS:-3}
read -r -a sources <<<"${BENCH_DATA:-/usr/local/go /usr/share}"
default_bin=$(readlink -f "${ARGO_BIN:-$repo/bin/argo-backup}")
[ "$(id -u)" = 0 ] || { echo "levers: needs root" >&2; exit 1; }
[ $# -gt 0 ] || { echo "levers: give variants, e.g. 'base:' 'p16:PART=16MiB'" >&2; exit 2; }

work=$(mktemp -d /var/tmp/argo-levers.XXXXXX)
results=$work/results.tsv
: >"$results"
mounts=()
cleanup() {
  local rc=$? i
  set +e
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "${mounts[$i]}" && { umount "${mounts[$i]}" || umount -l "${mounts[$i]}"; }
  done
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_fs() {
  mkdir -p "$1"
  truncate -s "$2" "$1.img"
  mkfs.btrfs -q -f -m single -d single "$1.img" >/dev/null
  mount -o "loop,$3" "$1.img" "$1"
  mounts+=("$1")
}
drop_fs() { umount "$1"; rm -f "$1.img"; }

src=$work/src
new_fs "$src" 12G "compress=zstd:3,noatime"
btrfs -q subvolume create "$src/@data"
for s in "${sources[@]}"; do
  mkdir -p "$src/@data/$(basename "$s")"
  cp -a --reflink=never "$s/." "$src/@data/$(basename "$s")/" 2>/dev/null || true
done
sync
age-keygen -o "$work/identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/identity.txt")
echo "levers: data $(du -sh --apparent-size "$src/@data" | cut -f1), $rounds rounds of: $*" >&2

# run LABEL ROUND NAME: push or restore one variant, under /usr/bin/time.
run() {
  local label=$1 r=$2 what=$3 settings=$4 c=$work/$1
  local bin=$default_bin part="" send2=true envs=() kv
  for kv in $settings; do
    case $kv in
      BIN=*) bin=${kv#BIN=} ;;
      PART=*) part=${kv#PART=} ;;
      SEND2=0) send2=false ;;
      SEND2=*) ;;
      *) envs+=("$kv") ;;
    esac
  done
  if [ "$what" = push ]; then
    rm -rf "$c"
    mkdir -p "$c" "$src/@snaps-$label"
    cat >"$c/config.yaml" <<EOF
host: bench
remote: "$c/remote"
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: $send2
${part:+part_size: $part}
subvolumes:
  - name: data
    path: $src/@data
    snapshot_dir: $src/@snaps-$label
    keep_local: 100
EOF
    set -- push data
  else
    new_fs "$work/dst" 8G noatime
    set -- restore --to "$work/dst" data
  fi
  sync
  env "${envs[@]}" /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$bin" -q --config "$c/config.yaml" "$@" >"$work/out" 2>&1 ||
    { cat "$work/out" >&2; exit 1; }
  read -r secs rss u s <"$work/t"
  local stored cpu
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
  stored=$(find "$c/remote" -type f -name 'part-*.zst.age' -printf '%s\n' | awk '{s+=$1} END{print s+0}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$what" "$r" "$secs" "$rss" "$stored" "$cpu" >>"$results"
  printf '  %-10s %-8s round %s: %6.2f s  rss %5d MiB  cpu %.2f s\n' "$label" "$what" "$r" "$secs" $((rss / 1024)) "$cpu" >&2
  if [ "$what" = restore ]; then
    drop_fs "$work/dst"
    unset 'mounts[-1]'
    for s in "$src/@snaps-$label"/*; do btrfs -q subvolume delete "$s" >/dev/null; done
  fi
}

for ((r = 1; r <= rounds; r++)); do
  for v in "$@"; do run "${v%%:*}" "$r" push "${v#*:}"; done
  for v in "$@"; do run "${v%%:*}" "$r" restore "${v#*:}"; done
done

echo
echo "| variant | settings | push s | push CPU s | push RSS MiB | restore s | restore CPU s | restore RSS MiB | stored MiB |"
echo "|---|---|---|---|---|---|---|---|---|"
for v in "$@"; do
  label=${v%%:*}
  awk -v l="$label" -v set="${v#*:}" -F'\t' '
    function med(arr, n,    i, j, t) { for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j+1] = arr[j]; arr[j+1] = t }
      return (n % 2) ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2 }
    $1 == l && $2 == "push" { ps[++np] = $4; pr[np] = $5; pc[np] = $7; st = $6 }
    $1 == l && $2 == "restore" { rs[++nr] = $4; rr[nr] = $5; rc[nr] = $7 }
    END { printf "| %s | %s | %.2f | %.2f | %.0f | %.2f | %.2f | %.0f | %.1f |\n", l, set, med(ps, np), med(pc, np), med(pr, np) / 1024, med(rs, nr), med(rc, nr), med(rr, nr) / 1024, st / 1048576 }' "$results"
done
