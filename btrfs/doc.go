// Package btrfs is argo-backup's typed wrapper over the kernel's btrfs ioctls
// and btrfs-progs.
//
// It reads subvolume identity straight from the kernel
// (BTRFS_IOC_GET_SUBVOL_INFO), because `btrfs subvolume show` does not print
// ctransid and its output is meant for people, not parsers. Everything that
// changes a filesystem — snapshot, delete, send, receive, mkfs — goes through
// btrfs-progs, so users get the same behaviour and the same error messages as
// on their own command line: every failed command's error carries its stderr.
//
// The send stream is validated as it passes (see Validator), so a stream that
// was damaged at the source is never committed, and Receive never lets
// `btrfs receive` finalize a stream that is incomplete.
//
// LoopFS makes throw-away filesystems on loop devices for verify, tests and
// benchmarks, and always tears them down.
package btrfs
