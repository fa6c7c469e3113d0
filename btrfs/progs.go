package btrfs

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"golang.org/x/sys/unix"
)

// Version is a btrfs-progs or kernel version, major and minor only: that is
// all the features we depend on are keyed by.
type Version struct{ Major, Minor int }

func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// AtLeast reports whether v is major.minor or newer.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// ProgsVersion returns the version of the installed btrfs-progs. If btrfs is
// not installed the error is ErrProgsNotFound, which tells the user what to do.
func ProgsVersion(ctx context.Context) (Version, error) {
	out, err := output(ctx, "btrfs", "--version")
	if err != nil {
		return Version{}, err
	}
	v, err := parseProgsVersion(out)
	if err != nil {
		return Version{}, fmt.Errorf("reading btrfs-progs version: %w", err)
	}
	return v, nil
}

// progsVersionRE matches the first line of `btrfs --version`, e.g.
// "btrfs-progs v6.2" or "btrfs-progs v6.10.1" (newer releases add a second
// line listing build features).
var progsVersionRE = regexp.MustCompile(`^btrfs-progs v(\d+)\.(\d+)`)

func parseProgsVersion(out string) (Version, error) {
	m := progsVersionRE.FindStringSubmatch(out)
	if m == nil {
		return Version{}, fmt.Errorf("unexpected output %q", out)
	}
	return atoiVersion(m[1], m[2])
}

// kernelVersionRE matches a kernel release such as "6.18.44-fc-v657".
var kernelVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)`)

// KernelVersion returns the running kernel's version, from uname(2).
func KernelVersion() (Version, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return Version{}, fmt.Errorf("reading kernel version: %w", err)
	}
	release := unix.ByteSliceToString(u.Release[:])
	m := kernelVersionRE.FindStringSubmatch(release)
	if m == nil {
		return Version{}, fmt.Errorf("reading kernel version: unexpected release %q", release)
	}
	return atoiVersion(m[1], m[2])
}

func atoiVersion(major, minor string) (Version, error) {
	ma, err := strconv.Atoi(major)
	if err != nil {
		return Version{}, err
	}
	mi, err := strconv.Atoi(minor)
	if err != nil {
		return Version{}, err
	}
	return Version{ma, mi}, nil
}

// SupportsProto2 reports whether this host can send protocol version 2 with
// --compressed-data: the kernel must generate it (6.0) and btrfs-progs must
// know the flags (6.0). Any doubt means no: version 1 always works.
func SupportsProto2(ctx context.Context) bool {
	k, err := KernelVersion()
	if err != nil {
		return false
	}
	p, err := ProgsVersion(ctx)
	return err == nil && proto2Supported(k, p)
}

// proto2Supported is SupportsProto2's rule for a kernel and a btrfs-progs.
func proto2Supported(kernel, progs Version) bool {
	return kernel.AtLeast(6, 0) && progs.AtLeast(6, 0)
}
