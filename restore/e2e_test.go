package restore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/b2fake"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/restore"
)

// A full and two incrementals, with every kind of change in between, restore
// identical to their snapshots: the newest and an older one, each into a
// fresh filesystem.
func TestPushRestoreChain(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	fillTree(t, w.source)
	full := w.push(false)
	changeTree(t, w.source)
	incr1 := w.push(false)
	changeTreeAgain(t, w.source)
	incr2 := w.push(false)

	if !full.IsFull() || incr1.Parent != full.Snapshot || incr2.Parent != incr1.Snapshot {
		t.Fatalf("chain is %s <- %s <- %s, want full <- incr1 <- incr2", full.Parent, incr1.Parent, incr2.Parent)
	}
	if incr2.StoredBytes*20 > full.StoredBytes {
		t.Errorf("incremental stored %d bytes, the full %d: an incremental should be small next to the full", incr2.StoredBytes, full.StoredBytes)
	}

	w.restore(incr2.Snapshot)
	w.requireSameTree(incr2.Snapshot)
	requireMetadataRestored(t, filepath.Join(w.target, incr2.Snapshot))
	if _, err := os.Lstat(filepath.Join(w.target, incr1.Snapshot)); err == nil {
		t.Errorf("intermediate %s was left in the target without --keep-chain", incr1.Snapshot)
	}
	w.restore(incr1.Snapshot)
	w.requireSameTree(incr1.Snapshot)

	requireNoPlaintext(t, spec)
}

// The same story over each network backend shipped: rclone's own S3 and
// sftp (password login) servers on 127.0.0.1, and the in-memory B2 server
// of internal/testing/b2fake. dir is where the objects land on disk, ""
// when they are held in memory.
func TestPushRestoreOverNetwork(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remote func(testing.TB) (spec, dir string)
	}{
		{"S3", remotetest.S3Dir},
		{"SFTP", remotetest.SFTPDir},
		{"B2", func(t testing.TB) (string, string) { return b2fake.Spec(t), "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, dir := tc.remote(t)
			w := newWorld(t, spec)
			fillTree(t, w.source)
			w.push(false)
			changeTree(t, w.source)
			incr := w.push(false)
			w.restore(incr.Snapshot)
			w.requireSameTree(incr.Snapshot)
			if dir != "" {
				requireNoPlaintext(t, dir)
			}
		})
	}
}

// requireNoPlaintext fails if the marker planted in the source, or any
// file name of it, is readable in any object under dir.
func requireNoPlaintext(t *testing.T, dir string) {
	t.Helper()
	objects := 0
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		objects++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{marker, "letter.txt", "name with spaces"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %q in plaintext", path, secret)
			}
		}
		if strings.HasSuffix(path, "argo-backup.json") {
			return nil
		}
		if !strings.HasSuffix(path, ".age") && !strings.HasSuffix(path, ".lock") {
			t.Errorf("unexpected object on the remote: %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if objects < 4 {
		t.Fatalf("found %d objects under %s: is this the remote?", objects, dir)
	}
}

// A restore that finds later stages of its chain already received (an
// interrupted restore, or --keep-chain) starts from the deepest one; the
// target itself, once there, is never received over.
func TestRestoreReusesReceivedStages(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	full, incr1, incr2 := w.pushChain()

	_, err := w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr1.Snapshot}, w.target, restore.Options{KeepChain: true})
	must(t, err)
	removeFull(t, w, full.Snapshot) // proves the next restore does not need it
	w.restore(incr2.Snapshot)
	w.requireSameTree(incr2.Snapshot)
	// Restoring it again finds it restored: nothing to do, and it is intact.
	_, err = w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr2.Snapshot}, w.target, restore.Options{})
	must(t, err)
	w.requireSameTree(incr2.Snapshot)

	// Anything else of that name is never overwritten.
	other := filepath.Join(w.target, "other")
	must(t, os.MkdirAll(filepath.Join(other, incr2.Snapshot), 0o755))
	_, err = w.restorer.Restore(w.ctx, host, "home", restore.Target{Snapshot: incr2.Snapshot}, other, restore.Options{})
	var input *errs.UserError
	if !errors.As(err, &input) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("restoring over an existing directory: %v, want an input error saying it already exists", err)
	}
}

func removeFull(t *testing.T, w *world, name string) {
	t.Helper()
	deleteSubvolume(t, filepath.Join(w.target, name))
}
