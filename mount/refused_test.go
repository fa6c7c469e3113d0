package mount_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/mount"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// damagedIndexes flips a byte of every file index read, and counts them.
type damagedIndexes struct {
	*countingStore
	snapshot string
	mu       sync.Mutex
	reads    int
}

func (d *damagedIndexes) damage(name string, b []byte) []byte {
	if name != remote.IndexName("h", "home", d.snapshot) {
		return b
	}
	d.mu.Lock()
	d.reads++
	d.mu.Unlock()
	b = bytes.Clone(b)
	b[len(b)/2] ^= 0xff
	return b
}

func (d *damagedIndexes) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := d.countingStore.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(d.damage(name, b))), nil
}

func (d *damagedIndexes) ReadAll(ctx context.Context, name string) ([]byte, error) {
	b, err := d.countingStore.ReadAll(ctx, name)
	if err != nil {
		return nil, err
	}
	return d.damage(name, b), nil
}

// A backup whose file index is refused (damaged) is refused once: looking
// at it again answers EIO at once, without reading the index again or
// logging again, for the life of the mount.
func TestMountRemembersARefusedIndex(t *testing.T) {
	rec, store, id := pushBlobs(t)
	d := &damagedIndexes{countingStore: &countingStore{Store: store}, snapshot: rec.Snapshot}
	var mu sync.Mutex
	var logged []string
	dir := mountOn(t, &mount.Source{Catalog: &restore.Catalog{Store: d, Identities: []age.Identity{id}},
		Host: "h", Subvols: []string{"home"}, Log: func(msg string, err error) {
			mu.Lock()
			logged = append(logged, msg+": "+err.Error())
			mu.Unlock()
		}})
	snap := filepath.Join(dir, "home", rec.Snapshot)
	for range 3 {
		if _, err := os.ReadDir(snap); err == nil {
			t.Fatal("a backup whose index is damaged lists")
		}
		if _, err := os.Stat(filepath.Join(snap, "small.txt")); err == nil {
			t.Fatal("a file of a backup whose index is damaged is there")
		}
	}
	if d.reads != 1 {
		t.Errorf("the damaged index was read %d times, want once", d.reads)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], rec.Snapshot) {
		t.Errorf("logged %d times, want once naming %s: %q", len(logged), rec.Snapshot, logged)
	}
}
