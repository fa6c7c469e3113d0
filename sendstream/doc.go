// Package sendstream reads, checks and applies btrfs send streams.
//
// It is the one place that knows the stream format (protocols 1, 2 and 3,
// as in btrfs-progs kernel-shared/send.h and common/send-stream.c):
//
//   - Validator checks a stream as it passes (an io.Writer): framing, every
//     command's crc32c, one subvolume, END last, and the trust rules on
//     paths (nothing absolute, no "..", data only into regular files). The
//     btrfs package feeds `btrfs receive` only bytes it accepted.
//   - Reader yields typed Commands with their stream offsets, checked by the
//     same Validator; the file index and the native applier build on it.
//   - Applier applies a chain of streams (a full one, then incrementals) to
//     a plain directory on any filesystem, confined beneath it, so a backup
//     can be restored without btrfs.
//
// It imports nothing of argo-backup's.
package sendstream
