package btrfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Create makes a new, empty, writable subvolume at path.
func Create(ctx context.Context, path string) error {
	if err := mustNotExist(path); err != nil {
		return fmt.Errorf("creating subvolume: %w", err)
	}
	return run(ctx, "btrfs", "subvolume", "create", path)
}

// Snapshot makes a read-only snapshot of the subvolume src at dst. Only
// read-only snapshots can be sent, and they cannot drift from what was sent.
func Snapshot(ctx context.Context, src, dst string) error {
	return snapshot(ctx, src, dst, "-r")
}

// WritableSnapshot makes a writable snapshot of the subvolume src at dst,
// e.g. to turn a restored read-only subvolume into a new @ or @home.
func WritableSnapshot(ctx context.Context, src, dst string) error {
	return snapshot(ctx, src, dst)
}

func snapshot(ctx context.Context, src, dst string, flags ...string) error {
	// btrfs would snapshot into an existing directory dst as dst/<name of
	// src>: refuse instead, so dst is always exactly where the snapshot is.
	if err := mustNotExist(dst); err != nil {
		return fmt.Errorf("snapshotting %s: %w", src, err)
	}
	if err := checkSubvolumeRoot(src); err != nil {
		return fmt.Errorf("snapshotting: %w", err)
	}
	args := append([]string{"subvolume", "snapshot"}, flags...)
	return run(ctx, "btrfs", append(args, src, dst)...)
}

// Delete removes the subvolume at path, read-only or not.
func Delete(ctx context.Context, path string) error {
	if err := checkSubvolumeRoot(path); err != nil {
		return fmt.Errorf("deleting subvolume: %w", err)
	}
	return run(ctx, "btrfs", "subvolume", "delete", path)
}

// SetReadOnly sets or clears the read-only property of the subvolume at path.
// btrfs-progs refuses to make a received subvolume writable (that would break
// later incremental receives); the error then says so in btrfs's words.
func SetReadOnly(ctx context.Context, path string, ro bool) error {
	if err := checkSubvolumeRoot(path); err != nil {
		return fmt.Errorf("setting read-only: %w", err)
	}
	return run(ctx, "btrfs", "property", "set", "-ts", path, "ro", fmt.Sprint(ro))
}

func mustNotExist(path string) error {
	_, err := os.Lstat(path)
	if err == nil {
		return fmt.Errorf("%s: %w", path, fs.ErrExist)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// run runs a command whose output only matters when it fails.
func run(ctx context.Context, name string, args ...string) error {
	_, err := output(ctx, name, args...)
	return err
}
