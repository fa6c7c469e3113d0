#!/usr/bin/env bash
# Measures argo-backup restore's peak RSS, wall and CPU for several
# binaries, alternating (A B A B ...), from a local remote, from WebDAV and
# from the fake Drive API behind the bench's WAN proxy, with several
# transfers settings, and on the data doubled: is restore memory flat in
# transfers, network speed and data size? The steps are scripts/bench.sh's.
# Needs root.
#
#   sudo scripts/bench/restore-mem.sh main:/tmp/argo-main branch:bin/argo-backup
#
# Environment: BENCH_ROUNDS (default 1), BENCH_DATA (default the full
# bench's directories), BENCH_TRANSFERS (local, default "4 8 16"),
# BENCH_WAN_TRANSFERS (default "4 16"), BENCH_WAN=0 (no WebDAV, no Drive),
# BENCH_DOUBLE (default 1),
# BENCH_WAN_LATENCY / BENCH_WAN_RATE (default 40ms / 8MB),
# BENCH_WAN_PORT (default: two free ports at random).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${BENCH_ROUNDS:-1}
read -r -a sources <<<"${BENCH_DATA:-/usr/local/go /usr/share /usr/lib/x86_64-linux-gnu}"
read -r -a local_transfers <<<"${BENCH_TRANSFERS:-4 8 16}"
read -r -a wan_transfers <<<"${BENCH_WAN_TRANSFERS:-4 16}"
double=${BENCH_DOUBLE:-1}
latency=${BENCH_WAN_LATENCY:-40ms} rate=${BENCH_WAN_RATE:-8MB}
# Two free ports: other benches on the machine may use the usual ones.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    ss -ltnH "sport = :$p or sport = :$((p + 1))" | grep -q . || { echo "$p"; return; }
  done
}
port=${BENCH_WAN_PORT:-$(free_port)}
[ "$(id -u)" = 0 ] || { echo "restore-mem: needs root" >&2; exit 1; }
[ $# -gt 0 ] || { echo "restore-mem: give binaries, e.g. main:/tmp/argo-main branch:bin/argo-backup" >&2; exit 2; }
labels=() bins=()
for v in "$@"; do labels+=("${v%%:*}"); bins+=("$(readlink -f "${v#*:}")"); done

work=$(mktemp -d /var/tmp/argo-restore-mem.XXXXXX)
results=$work/results.tsv # what label seconds rss_kib cpu_s
: >"$results"
mounts=() pids=()
cleanup() {
  local rc=$? i p
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
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
  rm -f "$1.img"
  truncate -s "$2" "$1.img"
  mkfs.btrfs -q -f -m single -d single "$1.img" >/dev/null
  mount -o "loop,$3" "$1.img" "$1"
  mounts+=("$1")
}
drop_fs() { umount "$1"; rm -f "$1.img"; unset 'mounts[${#mounts[@]}-1]'; }

# measure WHAT LABEL CMD...: wall, peak RSS and CPU of CMD.
measure() {
  local what=$1 label=$2; shift 2
  sync
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" >"$work/cmd.out" 2>&1; then
    tail -20 "$work/cmd.out" >&2
    echo "restore-mem: $what ($label) failed" >&2
    exit 1
  fi
  local secs rss user sys cpu
  read -r secs rss user sys <"$work/time.out"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  # GODEBUG=gctrace=1 (set by restores): the most the heap held when a
  # collection started, the most it kept live after one, and how many.
  local heap
  heap=$(grep -o '[0-9]*->[0-9]*->[0-9]* MB' "$work/cmd.out" | tr -- '->' '  ' |
    awk '{n++; if ($1 > a) a = $1; if ($3 > l) l = $3} END {printf "%d/%d, %d GCs", a, l, n}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$what" "$label" "$secs" "$rss" "$cpu" "$heap" >>"$results"
  printf '  %-16s %-8s %7.2f s  cpu %6.2f s  rss %4d MiB  heap %s MB\n' "$what" "$label" "$secs" "$cpu" $((rss / 1024)) "$heap" >&2
}

src=$work/src
new_fs "$src" 16G "compress=zstd:3,noatime"
btrfs -q subvolume create "$src/@data"
copy_data() { # copy_data SUFFIX
  for s in "${sources[@]}"; do
    mkdir -p "$src/@data/$(basename "$s")$1"
    cp -a --reflink=never "$s/." "$src/@data/$(basename "$s")$1/" 2>/dev/null || true
  done
  sync
}
copy_data ""
age-keygen -o "$work/identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/identity.txt")

# config NAME REMOTE [EXTRA]: a config of its own (state, snapshots).
config() {
  local c=$work/argo-$1
  mkdir -p "$c" "$src/@snaps-$1"
  cat >"$c/config.yaml" <<EOF
host: bench
remote: "$2"
${3:-}
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: true
subvolumes:
  - name: data
    path: $src/@data
    snapshot_dir: $src/@snaps-$1
    keep_local: 100
EOF
  echo "$c/config.yaml"
}

# restores WHAT CONFIG TRANSFERS [ENV...]: one restore per binary, per round.
restores() {
  local what=$1 cfg=$2 t=$3 r i; shift 3
  for ((r = 1; r <= rounds; r++)); do
    for i in "${!bins[@]}"; do
      new_fs "$work/dst" 8G noatime
      measure "$what-t$t" "${labels[$i]}" env GODEBUG=gctrace=1 "$@" "${bins[$i]}" -q --config "$cfg" restore --transfers "$t" --to "$work/dst" data
      drop_fs "$work/dst"
    done
  done
}

push_bin=${bins[0]}
cfg=$(config local "$work/argo-local/remote")
"$push_bin" -q --config "$cfg" push data
echo "restore-mem: data $(du -sh --apparent-size "$src/@data" | cut -f1), stored $(du -sh "$work/argo-local/remote" | cut -f1)" >&2
for t in "${local_transfers[@]}"; do restores local "$cfg" "$t"; done

if [ "${BENCH_WAN:-1}" = 1 ]; then
# WebDAV behind the WAN proxy, as scripts/bench.sh runs it.
(cd "$repo" && go build -o "$work/wanproxy" ./internal/testing/wanproxy/cmd/wanproxy)
mkdir -p "$work/wan-remote"
rclone serve webdav "$work/wan-remote" --addr "127.0.0.1:$port" >"$work/webdav.log" 2>&1 &
pids+=($!)
"$work/wanproxy" -listen "127.0.0.1:$((port + 1))" -target "http://127.0.0.1:$port" \
  -latency "$latency" -rate "$rate" >"$work/wanproxy.out" 2>"$work/wanproxy.log" &
pids+=($!)
for _ in $(seq 50); do
  [ -s "$work/wanproxy.out" ] && rclone lsd --webdav-url "http://127.0.0.1:$port/" :webdav: >/dev/null 2>&1 && break
  sleep 0.2
done
for p in "${pids[@]}"; do
  kill -0 "$p" 2>/dev/null || { cat "$work/webdav.log" "$work/wanproxy.log" >&2; echo "restore-mem: the WAN servers did not start" >&2; exit 1; }
done
wcfg=$(config wan ":webdav,url='http://127.0.0.1:$((port + 1))/',vendor=other:argo")
"$push_bin" -q --config "$wcfg" push data
for t in "${wan_transfers[@]}"; do restores wan "$wcfg" "$t"; done

# The fake Drive API on the same line.
(cd "$repo" && go build -o "$work/drivefake" ./internal/testing/drivefake/cmd/drivefake)
dconf=$work/drive-rclone.conf
"$work/drivefake" -latency "$latency" -rate "$rate" -conf "$dconf" -env "$work/drive.env" \
  >"$work/drivefake.out" 2>"$work/drivefake.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/drivefake.out" ] && break; sleep 0.1; done
mapfile -t denv <"$work/drive.env"
dcfg=$(config drive "fakedrive:argo" "rclone_config: $dconf")
env "${denv[@]}" "$push_bin" -q --config "$dcfg" push data
restores drive "$dcfg" 4 "${denv[@]}"

fi

if [ "$double" = 1 ]; then
  copy_data "-2"
  xcfg=$(config x2 "$work/argo-x2/remote")
  "$push_bin" -q --config "$xcfg" push data
  echo "restore-mem: doubled data $(du -sh --apparent-size "$src/@data" | cut -f1)" >&2
  restores x2 "$xcfg" 4
fi

echo "| restore | binary | s | CPU s | peak RSS MiB | heap at GC start / live after, most MB; collections |"
echo "|---|---|---|---|---|---|"
awk -F'\t' '{printf "| %s | %s | %.2f | %.2f | %d | %s |\n", $1, $2, $3, $5, $4 / 1024, $6}' "$results"
