package restore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// openUnder lists this process's open files under dir (their /proc links),
// nameless ones included: /proc shows them as dir/#inode (deleted).
func openUnder(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var open []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") {
			open = append(open, target)
		}
	}
	return open
}

// requireNoSpool fails unless dir is empty and no file under it is open:
// a restore removes its spool directory and closes its spool files
// however it ends.
func requireNoSpool(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left in the spool's parent: %s", e.Name())
	}
	if open := openUnder(t, dir); len(open) > 0 {
		t.Errorf("spool files still open: %v", open)
	}
}

// Spool files have no name, in a directory only the restore's user can
// enter: no other user can open one, let alone change the bytes checked.
func TestSpoolFilesAreNamelessAndPrivate(t *testing.T) {
	parent := t.TempDir()
	d, err := newSpoolDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("stored bytes"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(d.path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("spool directory mode %o, want 700", perm)
	}
	if entries, _ := os.ReadDir(d.path); len(entries) != 0 {
		t.Errorf("the spool directory lists %d entries, want none (nameless files)", len(entries))
	}
	if err := d.remove(); err != nil {
		t.Fatal(err)
	}
	requireNoSpool(t, parent)
}

// A spool directory left by a killed restore (unlocked) is removed by the
// next one; a live restore's (locked) is left alone.
func TestSpoolDirsOfKilledRestoresAreSwept(t *testing.T) {
	parent := t.TempDir()
	live, err := newSpoolDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer live.remove()
	left := filepath.Join(parent, spoolPrefix+"killed")
	if err := os.Mkdir(left, 0o700); err != nil {
		t.Fatal(err)
	}
	// A named file the fallback path (no O_TMPFILE) had not unlinked yet.
	if err := os.WriteFile(filepath.Join(left, "part-1"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(parent, "not-a-spool")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	next, err := newSpoolDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer next.remove()
	for path, want := range map[string]bool{left: false, live.path: true, other: true, next.path: true} {
		if _, err := os.Stat(path); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", path, err == nil, want)
		}
	}
}

// The spool is gone when a restore ends: finished, failed at a bad part,
// stopped by its consumer (btrfs receive died) or interrupted (Ctrl-C
// cancels the context), with downloads ahead still spooled.
func TestFetchPartsLeavesNoSpool(t *testing.T) {
	stop := errors.New("receive stopped")
	for _, tt := range []struct {
		name   string
		damage func(*backupInMemory)
		use    func(cancel context.CancelFunc, p manifest.Part) error
		want   error
	}{
		{"finished", func(*backupInMemory) {}, func(context.CancelFunc, manifest.Part) error { return nil }, nil},
		{"bad part", func(b *backupInMemory) { b.store.Corrupt(partName(2), -1) }, func(context.CancelFunc, manifest.Part) error { return nil }, nil},
		{"consumer stopped", func(*backupInMemory) {}, func(_ context.CancelFunc, p manifest.Part) error {
			if p.Index == 1 {
				return stop
			}
			return nil
		}, stop},
		{"interrupted", func(*backupInMemory) {}, func(cancel context.CancelFunc, p manifest.Part) error {
			if p.Index == 1 {
				cancel()
			}
			return nil
		}, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackupInMemory(t, 12)
			tt.damage(b)
			b.cat.Spool = t.TempDir()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var bad int
			err := b.cat.fetchParts(ctx, b.rec, b.rec.Parts, 8, func(p manifest.Part, _ []byte, err error) error {
				if err != nil {
					bad++
					return nil
				}
				return tt.use(cancel, p)
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			requireNoSpool(t, b.cat.Spool)
		})
	}
}

// What a restore holds in memory does not grow with transfers: however
// many parts download ahead, it makes only `decoders` plaintext buffers,
// outside the Go heap.
func TestPlaintextBuffersDoNotGrowWithAhead(t *testing.T) {
	for _, ahead := range []int{1, 4, 16} {
		b := newBackupInMemory(t, 20)
		b.cat.Spool = t.TempDir()
		var made, mapped int
		b.cat.onFree = func(f *partFree) { made, mapped = f.made, len(f.maps) }
		var out strings.Builder
		if err := b.cat.writeStream(t.Context(), b.rec, &out, ahead, fallback.Progress(nil)); err != nil {
			t.Fatal(err)
		}
		if out.String() != string(b.stream) {
			t.Fatalf("ahead %d: the stream written differs", ahead)
		}
		if made > decoders {
			t.Errorf("ahead %d: %d plaintext buffers made, want at most %d", ahead, made, decoders)
		}
		if mapped != made {
			t.Errorf("ahead %d: %d of %d plaintext buffers outside the heap, want all", ahead, mapped, made)
		}
	}
}

// A spool file that cannot be written (a full disk) is the restore's
// problem, said as such, not the part's: a write error is a spoolError, a
// read error of the remote is not.
func TestSpoolTellsItsErrorsFromTheRemotes(t *testing.T) {
	part := manifest.Part{StoredBytes: 5, StoredSHA256: hexSHA256([]byte("bytes"))}
	d, err := newSpoolDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.remove()
	f, err := d.create()
	if err != nil {
		t.Fatal(err)
	}
	if err := spool(f, strings.NewReader("bytes"), part); err != nil {
		t.Fatalf("a good part: %v", err)
	}
	cut := errors.New("connection reset")
	var se *spoolError
	if err := spool(f, io.MultiReader(strings.NewReader("by"), iotest.ErrReader(cut)), part); !errors.Is(err, cut) || errors.As(err, &se) {
		t.Errorf("a cut download: got %v, want the remote's error", err)
	}
	d.close(f)
	if err := spool(f, strings.NewReader("bytes"), part); !errors.As(err, &se) {
		t.Errorf("an unwritable spool file: got %v, want a spoolError", err)
	}
}
