# Summarises bench.sh's measurements as a markdown table.
# Input 1: sizes.tsv (key, bytes); input 2: results.tsv
# (name, round, seconds, peak RSS KiB, CPU seconds).
function median(name, col,    n, i, j, t, a) {
  n = 0
  for (i = 1; i <= nrows; i++) if (rname[i] == name) a[++n] = val[i, col]
  if (n == 0) return ""
  for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
  return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function count(name,    n, i) { n = 0; for (i = 1; i <= nrows; i++) if (rname[i] == name) n++; return n }
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "n/a" : sprintf("%.2f", a / b) }
function verdict(x, lim) { return (x == "n/a") ? "" : ((x + 0 <= lim) ? "met" : "missed") }
function row(name, what, bytes,    s, c, m) {
  s = median(name, 1); if (s == "") return
  c = median(name, 3); m = median(name, 2)
  printf "| %s | %s | %d | %.2f | %.2f | %d | %s |\n", name, what, count(name), s, c, m / 1024, (s > 0 && bytes > 0 ? sprintf("%.0f", bytes / 1e6 / s) : "")
}
FNR == NR { size[$1] = $2; next }
{ nrows++; rname[nrows] = $1; val[nrows, 1] = $3; val[nrows, 2] = $4; val[nrows, 3] = $5 }
END {
  printf "Data: %d files; send stream %.0f MiB (v1), %.0f MiB (v2 --compressed-data); zstd -3 of the v2 stream %.0f MiB.\n\n", size["files"], size["raw_v1"] / 1048576, size["raw_v2"] / 1048576, size["zstd3_v2"] / 1048576
  print "| measurement | what | n | median s | CPU s | peak RSS MiB | MB/s of data (v1 stream bytes / s) |"
  print "|---|---|---|---|---|---|---|"
  row("floor-v1", "btrfs send > /dev/null", size["raw_v1"])
  row("floor-v2", "btrfs send --proto 2 --compressed-data > /dev/null", size["raw_v1"])
  row("shell-v1", "btrfs send \\| zstd -3 -T0 \\| age \\| rclone rcat", size["raw_v1"])
  row("shell-v2", "the same with --proto 2 --compressed-data", size["raw_v1"])
  row("push", "argo-backup push (full, defaults)", size["raw_v1"])
  row("shell-restore", "rclone cat \\| age -d \\| zstd -d \\| btrfs receive (v2)", size["raw_v1"])
  row("restore", "argo-backup restore (full)", size["raw_v1"])
  row("restore-native", "argo-backup restore onto ext4 (native apply, full)", size["raw_v1"])
  row("push-incr", "argo-backup push, incremental, ~20 MB changed", size["raw_incr"])
  row("restic-incr", "restic backup, same change", size["raw_incr"])
  row("restic-full", "restic backup, first (full)", size["raw_v1"])
  row("wan-shell-push", "WAN: send v2 \\| zstd \\| age \\| rclone rcat, through the proxy", size["raw_v1"])
  row("wan-push", "WAN: argo-backup push (full), through the proxy", size["raw_v1"])
  row("wan-shell-restore", "WAN: rclone cat \\| age -d \\| zstd -d \\| btrfs receive", size["raw_v1"])
  row("wan-restore", "WAN: argo-backup restore (full)", size["raw_v1"])
  row("drive-shell-push", "WAN Drive: send v2 \\| zstd \\| age \\| rclone rcat, to the fake Drive API", size["raw_v1"])
  row("drive-push", "WAN Drive: argo-backup push (full), to the fake Drive API", size["raw_v1"])
  row("drive-shell-restore", "WAN Drive: rclone cat \\| age -d \\| zstd -d \\| btrfs receive", size["raw_v1"])
  row("drive-restore", "WAN Drive: argo-backup restore (full)", size["raw_v1"])
  row("push-x2", "argo-backup push, data doubled", size["raw_x2"])
  row("restore-x2", "argo-backup restore, data doubled", size["raw_x2"])
  row("restore-native-x2", "argo-backup restore onto ext4, data doubled", size["raw_x2"])
  push = median("push", 1); s1 = median("shell-v1", 1); s2 = median("shell-v2", 1)
  best = (s1 != "" && s1 < s2) ? s1 : s2
  f1 = median("floor-v1", 1); f2 = median("floor-v2", 1)
  bestf = (f1 != "" && f1 < f2) ? f1 : f2
  rs = median("restore", 1); srs = median("shell-restore", 1)
  rp = median("push", 2) / 1024; rr = median("restore", 2) / 1024
  rp2 = median("push-x2", 2) / 1024; rr2 = median("restore-x2", 2) / 1024
  print ""
  print "| ratio | measured | target | |"
  print "|---|---|---|---|"
  x = ratio(push, best); printf "| push / best shell pipeline | %s | <= 0.8 | %s |\n", x, verdict(x, 0.8)
  x = ratio(push, bestf); printf "| push / best floor (send v2 > /dev/null) | %s | <= 1.2 | %s |\n", x, verdict(x, 1.2)
  x = ratio(push, f1); printf "| push / floor v1 | %s | | |\n", x
  x = ratio(rs, srs); printf "| restore / shell restore | %s | <= 1.0 | %s |\n", x, verdict(x, 1.0)
  rn = median("restore-native", 1); rnm = median("restore-native", 2) / 1024; rnm2 = median("restore-native-x2", 2) / 1024
  if (rn != "") {
    x = ratio(rn, rs); printf "| native restore onto ext4 / restore with btrfs receive | %s | <= 1.0 | %s |\n", x, verdict(x, 1.0)
    printf "| peak RSS native restore (MiB) | %.0f | <= 256 | %s |\n", rnm, (rnm <= 256) ? "met" : "missed"
    if (rnm2 > 0) { x = ratio(rnm2, rnm); printf "| peak RSS native restore, data doubled / single | %s | ~1.0 (flat) | %s |\n", x, verdict(x, 1.15) }
  }
  printf "| peak RSS push / restore (MiB) | %.0f / %.0f | <= 256 | %s |\n", rp, rr, (rp <= 256 && rr <= 256) ? "met" : "missed"
  if (rp2 > 0) {
    x = ratio(rp2, rp); y = ratio(rr2, rr)
    printf "| peak RSS data doubled / single, push / restore | %s / %s | ~1.0 (flat) | %s |\n", x, y, (x + 0 <= 1.15 && y + 0 <= 1.15) ? "met" : "missed"
  }
  x = ratio(size["stored_push"], size["zstd3_v2"]); printf "| stored bytes push / zstd -3 (same v2 stream) | %s | <= 1.02 | %s |\n", x, verdict(x, 1.02)
  x = ratio(size["stored_shell_v2"], size["zstd3_v2"]); printf "| stored bytes shell v2 / zstd -3 | %s | | |\n", x
  x = ratio(median("push-incr", 1), median("restic-incr", 1)); printf "| incremental push / restic | %s | | |\n", x
  x = ratio(median("wan-push", 1), median("wan-shell-push", 1)); if (x != "n/a") printf "| WAN push / WAN shell pipeline | %s | <= 0.4 | %s |\n", x, verdict(x, 0.4)
  x = ratio(median("wan-restore", 1), median("wan-shell-restore", 1)); if (x != "n/a") printf "| WAN restore / WAN shell restore | %s | <= 0.4 | %s |\n", x, verdict(x, 0.4)
  x = ratio(median("drive-push", 1), median("drive-shell-push", 1)); if (x != "n/a") printf "| WAN Drive push / WAN Drive shell pipeline | %s | reported | |\n", x
  x = ratio(median("drive-restore", 1), median("drive-shell-restore", 1)); if (x != "n/a") printf "| WAN Drive restore / WAN Drive shell restore | %s | reported | |\n", x
  x = median("push-incr", 1); if (x != "") printf "| incremental push, seconds | %.2f | <= 1.0 | %s |\n", x, verdict(x, 1.0)
  x = ratio(median("push", 3), median("shell-v2", 3)); printf "| push CPU s / shell v2 CPU s | %s | <= 0.8 | %s |\n", x, verdict(x, 0.8)
  if (size["stored_incr"] > 0) printf "\nIncremental: v1 stream %.1f MiB per round, stored %.1f MiB per round.\n", size["raw_incr"] / 1048576, size["stored_incr"] / 1048576
}
