package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// LoopFS is a throw-away btrfs: a sparse image file attached to a loop
// device and mounted on a private directory. Close tears all of it down.
type LoopFS struct {
	Image  string // the sparse image file
	Device string // the loop device, e.g. /dev/loop3
	Dir    string // where the filesystem is mounted

	mounted bool
}

// NewLoopFS makes a btrfs of size bytes in a sparse image in scratchDir and
// mounts it, with mountOpts (as for mount -o) unless empty. Image and mount
// directory are both created in scratchDir, named after this process so
// that RemoveStale can clear them if it is killed. If any step fails, the steps
// already done are undone.
func NewLoopFS(ctx context.Context, scratchDir string, size int64, mountOpts string) (l *LoopFS, err error) {
	l = &LoopFS{}
	defer func() {
		if err != nil {
			err = errors.Join(fmt.Errorf("creating loop filesystem: %w", err), l.Close())
			l = nil
		}
	}()
	if l.Image, err = sparseFile(scratchDir, size); err != nil {
		return l, err
	}
	if err = run(ctx, "mkfs.btrfs", "-q", "-f", "-m", "single", "-d", "single", l.Image); err != nil {
		return l, err
	}
	if l.Device, err = output(ctx, "losetup", "-f", "--show", l.Image); err != nil {
		return l, err
	}
	if l.Dir, err = os.MkdirTemp(scratchDir, ownerPattern(mntPrefix, "")); err != nil {
		return l, err
	}
	args := []string{"-t", "btrfs"}
	if mountOpts != "" {
		args = append(args, "-o", mountOpts)
	}
	if err = run(ctx, "mount", append(args, l.Device, l.Dir)...); err != nil {
		return l, err
	}
	l.mounted = true
	return l, nil
}

// sparseFile creates an image file of size bytes that takes no space yet.
func sparseFile(dir string, size int64) (string, error) {
	f, err := os.CreateTemp(dir, ownerPattern(loopPrefix, ".img"))
	if err != nil {
		return "", err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

// Close unmounts the filesystem, detaches the loop device and removes the
// mount directory and the image. It does as much as it can, returns every
// error, and is safe to call again: done steps are not repeated.
func (l *LoopFS) Close() error {
	var errs []error
	if l.mounted {
		if err := unmount(l.Dir); err != nil {
			errs = append(errs, err)
		} else {
			l.mounted = false
		}
	}
	if l.Device != "" && !l.mounted {
		// Not a context.Context of the caller: teardown must run even
		// after a cancellation.
		if err := run(context.Background(), "losetup", "-d", l.Device); err != nil {
			errs = append(errs, err)
		} else {
			l.Device = ""
		}
	}
	for _, p := range []*string{&l.Dir, &l.Image} {
		if *p != "" && !l.mounted {
			if err := os.Remove(*p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			} else {
				*p = ""
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing loop filesystem: %w", err)
	}
	return nil
}

// unmount unmounts dir, retrying while it is busy (a just-finished btrfs
// receive or a shell in it), and detaches it lazily as a last resort so the
// loop device can still be released once the last user goes away.
func unmount(dir string) error {
	var err error
	for i := range 5 {
		if err = unix.Unmount(dir, 0); !errors.Is(err, unix.EBUSY) {
			break
		}
		time.Sleep(time.Duration(100*(i+1)) * time.Millisecond)
	}
	if errors.Is(err, unix.EBUSY) {
		err = unix.Unmount(dir, unix.MNT_DETACH)
	}
	if err != nil && !errors.Is(err, unix.EINVAL) { // EINVAL: not mounted
		return fmt.Errorf("unmounting %s: %w", dir, err)
	}
	return nil
}
