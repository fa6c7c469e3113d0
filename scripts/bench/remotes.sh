#!/usr/bin/env bash
# Measures full pushes of variants (binaries, transfers, environment)
# against each other on each kind of remote: a local directory, WebDAV
# behind wanproxy (latency per request, a cap per connection) and the fake
# Google Drive API behind the same line; on the bench data and on the data
# doubled. Rounds alternate the variants. For the memory of a push, which
# depends on the remote (docs/performance.md, "Sealed parts spooled to
# state_dir"). Needs root, rclone, age; builds wanproxy and drivefake.
#
#   sudo scripts/bench/remotes.sh 'main:BIN=/tmp/argo-main' 'spool:BIN=bin/argo-backup' \
#        'spool-t16:BIN=bin/argo-backup TRANSFERS=16'
#
# A variant is LABEL:SETTINGS, SETTINGS space-separated VAR=value: BIN
# (binary), TRANSFERS, PART (part_size), ONLY (remotes and sizes it runs
# on, comma-separated, e.g. ONLY=drive,local,x1), ROUNDS (the first N
# rounds only), anything else goes to the environment of argo-backup. Environment: BENCH_ROUNDS (2), BENCH_REMOTES
# ("local wan drive"), BENCH_SIZES ("x1 x2"), BENCH_DATA (directories
# copied, default the bench's), BENCH_WAN_LATENCY (40ms), BENCH_WAN_RATE
# (8MB). Prints a table of medians; the raw rows go
# to BENCH_OUT (a .tsv) if set.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
rounds=${BENCH_ROUNDS:-2}
read -r -a remotes <<<"${BENCH_REMOTES:-local wan drive}"
read -r -a sizes <<<"${BENCH_SIZES:-x1 x2}"
read -r -a sources <<<"${BENCH_DATA:-/usr/local/go /usr/share /usr/lib/x86_64-linux-gnu}"
latency=${BENCH_WAN_LATENCY:-40ms} rate=${BENCH_WAN_RATE:-8MB}
[ "$(id -u)" = 0 ] || { echo "remotes: needs root" >&2; exit 1; }
[ $# -gt 0 ] || { echo "remotes: give variants, e.g. 'main:BIN=/tmp/argo-main' 'new:'" >&2; exit 2; }

work=$(mktemp -d /var/tmp/argo-remotes.XXXXXX)
results=$work/results.tsv
: >"$results"
mounts=() pids=()
cleanup() {
  local rc=$? i
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "${mounts[$i]}" && { umount "${mounts[$i]}" || umount -l "${mounts[$i]}"; }
  done
  [ -n "${BENCH_OUT:-}" ] && cp "$results" "$BENCH_OUT"
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

src=$work/src
mkdir -p "$src"
truncate -s 16G "$src.img"
mkfs.btrfs -q -f -m single -d single "$src.img" >/dev/null
mount -o loop,compress=zstd:3,noatime "$src.img" "$src"
mounts+=("$src")
btrfs -q subvolume create "$src/@x1"
btrfs -q subvolume create "$src/@x2"
for s in "${sources[@]}"; do
  dirs=("$src/@x1/$(basename "$s")")
  [[ " ${sizes[*]} " == *" x2 "* ]] && dirs+=("$src/@x2/$(basename "$s")" "$src/@x2/$(basename "$s")-copy")
  for d in "${dirs[@]}"; do
    mkdir -p "$d"
    cp -a --reflink=never "$s/." "$d/" 2>/dev/null || true
  done
done
sync
age-keygen -o "$work/identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/identity.txt")
echo "remotes: data x1 $(du -sh --apparent-size "$src/@x1" | cut -f1), x2 $(du -sh --apparent-size "$src/@x2" | cut -f1); $rounds rounds of: $*" >&2

# free_port: a TCP port nothing listens on now (others run benches too).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The WAN line: webdav behind wanproxy, and the fake Drive API.
port=$(free_port) proxy=$(free_port)
(cd "$repo" && go build -o "$work/wanproxy" ./internal/testing/wanproxy/cmd/wanproxy &&
  go build -o "$work/drivefake" ./internal/testing/drivefake/cmd/drivefake)
mkdir -p "$work/webdav"
rclone serve webdav "$work/webdav" --addr "127.0.0.1:$port" >"$work/webdav.log" 2>&1 &
pids+=($!)
"$work/wanproxy" -listen "127.0.0.1:$proxy" -target "http://127.0.0.1:$port" \
  -latency "$latency" -rate "$rate" >"$work/wanproxy.out" 2>"$work/wanproxy.log" &
pids+=($!)
dconf=$work/drive-rclone.conf
"$work/drivefake" -latency "$latency" -rate "$rate" -conf "$dconf" -env "$work/drive.env" \
  >"$work/drivefake.out" 2>"$work/drivefake.log" &
pids+=($!)
up=0
for _ in $(seq 100); do
  if [ -s "$work/wanproxy.out" ] && [ -s "$work/drivefake.out" ] &&
    rclone lsd --webdav-url "http://127.0.0.1:$proxy/" :webdav: >/dev/null 2>&1; then
    up=1 && break
  fi
  sleep 0.2
done
[ "$up" = 1 ] || { cat "$work"/*.log >&2; echo "remotes: the servers did not start" >&2; exit 1; }
mapfile -t denv <"$work/drive.env"

# run LABEL ROUND REMOTE SIZE SETTINGS: one full push under /usr/bin/time,
# to a remote directory of its own (rclone serve's cache would still list
# one removed beneath it).
runs=0
run() {
  local label=$1 r=$2 where=$3 size=$4 settings=$5 c=$work/c
  local bin=$repo/bin/argo-backup transfers="" part="" envs=() kv spec extra=""
  for kv in $settings; do
    case $kv in
      ONLY=*) [[ ",${kv#ONLY=}," == *",$where,"* && ",${kv#ONLY=}," == *",$size,"* ]] || return 0 ;;
      ROUNDS=*) [ "$r" -le "${kv#ROUNDS=}" ] || return 0 ;;
    esac
  done
  runs=$((runs + 1))
  for kv in $settings; do
    case $kv in
      ONLY=* | ROUNDS=*) ;;
      BIN=*) bin=${kv#BIN=} ;;
      TRANSFERS=*) transfers=${kv#TRANSFERS=} ;;
      PART=*) part=${kv#PART=} ;;
      *) envs+=("$kv") ;;
    esac
  done
  case $where in
    local) spec=$c/remote ;;
    wan) spec=":webdav,url='http://127.0.0.1:$proxy/',vendor=other:argo-$runs" ;;
    drive)
      spec=fakedrive:argo-$runs extra="rclone_config: $dconf"
      envs+=("${denv[@]}")
      ;;
  esac
  rm -rf "$c"
  mkdir -p "$c" "$src/@snaps"
  cat >"$c/config.yaml" <<EOF
host: bench
remote: "$spec"
$extra
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: true
${transfers:+transfers: $transfers}
${part:+part_size: $part}
subvolumes:
  - name: data
    path: $src/@$size
    snapshot_dir: $src/@snaps
    keep_local: 100
EOF
  sync
  env "${envs[@]}" /usr/bin/time -f '%e %M %U %S' -o "$work/t" "$bin" -q --config "$c/config.yaml" push data >"$work/out" 2>&1 ||
    { cat "$work/out" >&2; exit 1; }
  read -r secs rss u s <"$work/t"
  local cpu
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$where" "$size" "$r" "$secs" "$rss" "$cpu" >>"$results"
  printf '  %-12s %-6s %s round %s: %6.2f s  rss %5d MiB  cpu %.2f s  (load %s)\n' "$label" "$where" "$size" "$r" "$secs" $((rss / 1024)) "$cpu" "$(cut -d' ' -f1 /proc/loadavg)" >&2
  for s in "$src/@snaps"/*; do btrfs -q subvolume delete "$s" >/dev/null; done
  case $where in
    wan) rm -rf "$work/webdav/argo-$runs" ;;
    drive) env "${denv[@]}" rclone --config "$dconf" purge "fakedrive:argo-$runs" >/dev/null 2>&1 || true ;;
  esac
}

for ((r = 1; r <= rounds; r++)); do
  for size in "${sizes[@]}"; do
    for where in "${remotes[@]}"; do
      for v in "$@"; do run "${v%%:*}" "$r" "$where" "$size" "${v#*:}"; done
    done
  done
done

echo
echo "| variant | settings | remote | data | n | push s | CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  for where in "${remotes[@]}"; do
    for v in "$@"; do
      awk -v l="${v%%:*}" -v set="${v#*:}" -v w="$where" -v z="$size" -F'\t' '
        function med(arr, n,    i, j, t) { for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j+1] = arr[j]; arr[j+1] = t }
          return (n % 2) ? arr[(n+1)/2] : (arr[n/2] + arr[n/2+1]) / 2 }
        $1 == l && $2 == w && $3 == z { s[++n] = $5; m[n] = $6; c[n] = $7 }
        END { if (n) printf "| %s | %s | %s | %s | %d | %.2f | %.2f | %.0f |\n", l, set, w, z, n, med(s, n), med(c, n), med(m, n) / 1024 }' "$results"
    done
  done
done
