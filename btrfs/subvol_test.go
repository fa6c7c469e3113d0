package btrfs_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

func TestSnapshots(t *testing.T) {
	ctx := context.Background()
	mnt, home := fsWithHome(t, "", map[string]string{"f": "original"})
	tests := []struct {
		name     string
		take     func(ctx context.Context, src, dst string) error
		readOnly bool
	}{
		{"read-only", btrfs.Snapshot, true},
		{"writable", btrfs.WritableSnapshot, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(mnt, tt.name)
			if err := tt.take(ctx, home, dst); err != nil {
				t.Fatal(err)
			}
			requireFiles(t, dst, map[string]string{"f": "original"})
			if got := info(t, dst); got.ReadOnly != tt.readOnly || got.ParentUUID != info(t, home).UUID {
				t.Errorf("snapshot %+v, want read-only %v and parent %s", *got, tt.readOnly, info(t, home).UUID)
			}
			err := os.WriteFile(filepath.Join(dst, "f"), []byte("changed"), 0o644)
			if (err == nil) == tt.readOnly {
				t.Errorf("writing into the snapshot: %v", err)
			}
			if err := tt.take(ctx, home, dst); !errors.Is(err, fs.ErrExist) {
				t.Errorf("snapshot onto an existing path: %v, want ErrExist", err)
			}
		})
	}
}

func TestSnapshotOfPlainDirectoryRefused(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"dir/f": "x"})
	err := btrfs.Snapshot(context.Background(), filepath.Join(home, "dir"), filepath.Join(mnt, "s"))
	if !errors.Is(err, btrfs.ErrNotSubvolume) {
		t.Errorf("snapshot of a directory: %v, want ErrNotSubvolume", err)
	}
}

func TestSetReadOnly(t *testing.T) {
	ctx := context.Background()
	_, home := fsWithHome(t, "", nil)
	for _, ro := range []bool{true, false, true} {
		if err := btrfs.SetReadOnly(ctx, home, ro); err != nil {
			t.Fatal(err)
		}
		if got := info(t, home).ReadOnly; got != ro {
			t.Fatalf("after SetReadOnly(%v), ReadOnly = %v", ro, got)
		}
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	mnt, home := fsWithHome(t, "", map[string]string{"f": "x"})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	for _, path := range []string{snap, home} { // read-only, then writable
		if err := btrfs.Delete(ctx, path); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still there after Delete: %v", path, err)
		}
	}
	err := btrfs.Delete(ctx, filepath.Join(mnt, "missing"))
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("deleting a missing subvolume: %v, want an error naming it", err)
	}
}

// TestExecErrorCarriesStderr: btrfs's own explanation reaches the user.
func TestExecErrorCarriesStderr(t *testing.T) {
	mnt, home := fsWithHome(t, "", nil)
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))
	// A writable subvolume cannot be sent; btrfs says why on stderr.
	err := btrfs.Send(context.Background(), home, btrfs.SendOptions{Parent: snap}, new(strings.Builder))
	var ee *btrfs.ExecError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "ERROR") || ee.Stderr == "" {
		t.Fatalf("error %v, want an *ExecError with btrfs's stderr", err)
	}
}
