package btrfs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

func TestProgsVersionInstalled(t *testing.T) {
	btrfstest.RequireTools(t, "btrfs-progs (apt-get install btrfs-progs)", "btrfs")
	v, err := btrfs.ProgsVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !v.AtLeast(4, 0) {
		t.Errorf("btrfs-progs version %v: implausible", v)
	}
}

func TestProgsMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := btrfs.ProgsVersion(context.Background())
	if !errors.Is(err, btrfs.ErrProgsNotFound) {
		t.Fatalf("error %v, want ErrProgsNotFound", err)
	}
	const want = "btrfs-progs not found: install it (apt-get install btrfs-progs)"
	if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("error %q does not start with %q", got, want)
	}
	if btrfs.SupportsProto2(context.Background()) {
		t.Error("SupportsProto2 without btrfs-progs")
	}
}

// TestSupportsProto2OnThisHost judges SupportsProto2 by the host's versions
// and the facts stated plainly (FACTS.md): sending protocol 2 needs kernel
// 6.0 or newer, and btrfs-progs 6.0 or newer to know the flags.
func TestSupportsProto2OnThisHost(t *testing.T) {
	k, err := btrfs.KernelVersion()
	if err != nil {
		t.Fatal(err)
	}
	btrfstest.RequireTools(t, "btrfs-progs (apt-get install btrfs-progs)", "btrfs")
	p, err := btrfs.ProgsVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := k.Major >= 6 && p.Major >= 6
	if got := btrfs.SupportsProto2(context.Background()); got != want {
		t.Errorf("SupportsProto2 = %v with kernel %v and btrfs-progs %v, want %v", got, k, p, want)
	}
}
