// Package restore turns backups on a remote back into subvolumes: it
// resolves the chain from a full backup to the target, downloads, opens and
// replays each stream with `btrfs receive`, and checks what was received.
// Verify is the same chain received into a throw-away filesystem.
package restore
