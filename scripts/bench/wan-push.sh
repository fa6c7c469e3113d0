#!/usr/bin/env bash
# wan-push.sh: full pushes over the bench's WAN line only (WebDAV behind
# wanproxy, and the fake Drive API), comparing binaries round by round in
# the same run, next to the shell pipeline through the same line. For
# work on the WAN push (issue 14); scripts/bench.sh is the full bench.
#
#   sudo ARGO_BINS="/tmp/argo-main bin/argo-backup" scripts/bench/wan-push.sh
#
# Knobs: ARGO_BINS (binaries, measured in this order in odd rounds and
# in the reverse order in even ones),
# BENCH_QUICK=1 (/usr/local/go only), BENCH_ROUNDS (default 1),
# BENCH_SHELL_ROUNDS (the shell pipelines in the first N rounds only,
# default 1; 0: none), BENCH_WAN=0 / BENCH_DRIVE=0,
# BENCH_WAN_LATENCY, BENCH_WAN_RATE, BENCH_WAN_PORT, BENCH_DIR (kept),
# ARGO_FLAGS (extra flags for argo-backup, e.g. -v). Results: a table of
# name, round, wall s, CPU s, peak RSS MiB on stdout; the proxies' request
# counts on stderr; WANPROXY_LOG and DRIVEFAKE_LOG name files for the
# request logs of wanproxy and drivefake.
#
# Every push goes to a remote path of its own: rclone serve webdav caches
# directory listings, so a path deleted behind its back and used again
# fails (EOF on the first GET).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
read -r -a bins <<<"${ARGO_BINS:-$repo/bin/argo-backup}"
rounds=${BENCH_ROUNDS:-1}
latency=${BENCH_WAN_LATENCY:-40ms} rate=${BENCH_WAN_RATE:-8MB}
port=${BENCH_WAN_PORT:-18751}
die() { echo "wan-push: $*" >&2; exit 1; }
say() { printf '\n== wan-push: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (btrfs send)"
for b in "${bins[@]}"; do [ -x "$b" ] || die "no binary at $b"; done

work=${BENCH_DIR:-$(mktemp -d /var/tmp/argo-wanpush.XXXXXX)}
mkdir -p "$work"
pids=()
cleanup() {
  set +e
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  mountpoint -q "$work/src" && { umount "$work/src" || umount -l "$work/src"; }
  rm -f "$work/src.img"
  [ -n "${BENCH_DIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_QUICK:-0}" = 1 ]; then sources=(/usr/local/go) size=4G; else
  sources=(/usr/local/go /usr/share /usr/lib/x86_64-linux-gnu) size=12G; fi
src=$work/src
if ! mountpoint -q "$src"; then
  say "source btrfs in $work, copying ${sources[*]}"
  mkdir -p "$src"; rm -f "$src.img"; truncate -s "$size" "$src.img"
  mkfs.btrfs -q -f -m single -d single "$src.img" >/dev/null
  mount -o loop,compress=zstd:3,noatime "$src.img" "$src"
  btrfs -q subvolume create "$src/@data"
  for s in "${sources[@]}"; do
    mkdir -p "$src/@data/$(basename "$s")"
    cp -a --reflink=never "$s/." "$src/@data/$(basename "$s")/" 2>/dev/null || true
  done
  sync
  btrfs -q subvolume snapshot -r "$src/@data" "$src/bench-snap"
fi
snap=$src/bench-snap
[ -f "$work/identity.txt" ] || age-keygen -o "$work/identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$work/identity.txt")

results=$work/results.tsv
: >"$results"
measure() { # NAME ROUND CMD...
  local name=$1 round=$2; shift 2
  sync
  if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time.out" "$@" >"$work/cmd.out" 2>&1; then
    tail -5 "$work/cmd.out" >&2 # one failed run (a flaky line) is noted, the rest goes on
    printf '%s\t%s\tfailed\n' "$name" "$round" | tee -a "$results" >&2
    return 0
  fi
  read -r secs rss user sys <"$work/time.out"
  local cpu; cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.2f", u+s}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$secs" "$cpu" $((rss / 1024)) "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results" >&2
}
config() { # TAG REMOTE [EXTRA]: a config whose pushes are all full
  local c=$work/argo-$1
  rm -rf "$c"; mkdir -p "$c" "$src/@snaps-$1"
  cat >"$c/config.yaml" <<EOC
host: bench
remote: "$2"
recipients: ["$recipient"]
identity: $work/identity.txt
state_dir: $c/state
compression_level: 3
send_compressed_data: true
${3:-}
subvolumes:
  - name: data
    path: $src/@data
    snapshot_dir: $src/@snaps-$1
    keep_local: 100
EOC
  echo "$c/config.yaml"
}
order() { # ROUND: the binaries' indices, reversed every other round
  local i out=()
  for i in "${!bins[@]}"; do out+=("$i"); done
  if [ $(($1 % 2)) = 0 ]; then printf '%s\n' "${out[@]}" | tac; else printf '%s\n' "${out[@]}"; fi
}
drop() { # TAG
  local s
  for s in "$src/@snaps-$1"/*; do [ -e "$s" ] && btrfs -q subvolume delete "$s" >/dev/null; done
  rmdir "$src/@snaps-$1" 2>/dev/null || true
  rm -rf "$work/argo-$1"
}

if [ "${BENCH_WAN:-1}" = 1 ]; then
  (cd "$repo" && go build -o "$work/wanproxy" ./internal/testing/wanproxy/cmd/wanproxy)
  rm -rf "$work/wan-remote"; mkdir -p "$work/wan-remote"
  rclone serve webdav "$work/wan-remote" --addr "127.0.0.1:$port" >"$work/webdav.log" 2>&1 &
  pids+=($!)
  "$work/wanproxy" -listen "127.0.0.1:$((port + 1))" -target "http://127.0.0.1:$port" \
    -latency "$latency" -rate "$rate" ${WANPROXY_LOG:+-log "$WANPROXY_LOG"} >"$work/wanproxy.out" 2>"$work/wanproxy.log" &
  pids+=($!)
  for _ in $(seq 100); do
    [ -s "$work/wanproxy.out" ] && rclone lsd --webdav-url "http://127.0.0.1:$port/" :webdav: >/dev/null 2>&1 && break
    sleep 0.1
  done
  url=http://127.0.0.1:$((port + 1))/
  say "WebDAV behind wanproxy ($latency per request, $rate/s per connection)"
  for ((r = 1; r <= rounds; r++)); do
    if [ "$r" -le "${BENCH_SHELL_ROUNDS:-1}" ]; then
      measure wan-shell-push "$r" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone rcat --webdav-url $url --webdav-vendor other :webdav:shell-$r/v2.zst.age"
      rm -rf "$work/wan-remote/shell-$r"
    fi
    for i in $(order "$r"); do
      cfg=$(config "wan$i" ":webdav,url='$url',vendor=other:argo-$i-$r" "${ARGO_CONFIG_EXTRA:-}")
      measure "wan-push-$i" "$r" "${bins[$i]}" ${ARGO_FLAGS:-} --config "$cfg" push data
      cp "$work/cmd.out" "$work/wan-push-$i-$r.log"
      drop "wan$i"; rm -rf "$work/wan-remote/argo-$i-$r"
    done
  done
  kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
  cat "$work/wanproxy.log" >&2
fi

if [ "${BENCH_DRIVE:-1}" = 1 ]; then
  (cd "$repo" && go build -o "$work/drivefake" ./internal/testing/drivefake/cmd/drivefake)
  dconf=$work/drive-rclone.conf
  rm -f "$work/drivefake.out"
  "$work/drivefake" -latency "$latency" -rate "$rate" -conf "$dconf" -env "$work/drive.env" ${DRIVEFAKE_LOG:+-log "$DRIVEFAKE_LOG"} >"$work/drivefake.out" 2>"$work/drivefake.log" &
  dpid=$!
  pids+=($dpid)
  for _ in $(seq 100); do [ -s "$work/drivefake.out" ] && break; sleep 0.1; done
  mapfile -t denv <"$work/drive.env"
  say "the fake Drive API ($latency per request, $rate/s per connection)"
  for ((r = 1; r <= rounds; r++)); do
    if [ "$r" -le "${BENCH_SHELL_ROUNDS:-1}" ]; then
      measure drive-shell-push "$r" env "${denv[@]}" bash -o pipefail -c "btrfs send -q --proto 2 --compressed-data '$snap' | zstd -3 -T0 -q | age -r $recipient | rclone --config '$dconf' rcat fakedrive:shell/v2.zst.age"
      env "${denv[@]}" rclone --config "$dconf" purge fakedrive:shell >/dev/null 2>&1 || true
    fi
    for i in $(order "$r"); do
      cfg=$(config "drive$i" "fakedrive:argo-$i" "rclone_config: $dconf")
      measure "drive-push-$i" "$r" env "${denv[@]}" "${bins[$i]}" ${ARGO_FLAGS:-} --config "$cfg" push data
      cp "$work/cmd.out" "$work/drive-push-$i-$r.log"
      drop "drive$i"
      env "${denv[@]}" rclone --config "$dconf" purge "fakedrive:argo-$i" >/dev/null 2>&1 || true
    done
  done
  kill "$dpid"; wait "$dpid" 2>/dev/null || true
  cat "$work/drivefake.log" >&2
fi

echo "wan-push, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, WAN $latency + $rate/s per connection; binaries: ${bins[*]}"
printf 'name\tround\twall s\tCPU s\tpeak RSS MiB\tload (1 min) at end\n'
cat "$results"
