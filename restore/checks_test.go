package restore_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// A part replaced by another valid one of the same size (sealed to the
// right recipient, so age opens it, and as long as the original, so the
// size check passes) is caught by the record's sha256 before btrfs receive
// sees a byte of it, and the restore leaves nothing behind.
func TestRestoreChecksThePartHash(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	data := make([]byte, 3<<20) // incompressible: a changed byte keeps every size
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)}).Read(data)
	mustWrite(t, filepath.Join(w.source, "random.bin"), data, 0o644)
	rec := w.push(true)
	if len(rec.Parts) < 3 {
		t.Fatalf("want several parts, got %d", len(rec.Parts))
	}

	name := remote.PartName(host, "home", rec.Snapshot, 1)
	original, err := w.store.ReadAll(w.ctx, name)
	must(t, err)
	opened, err := crypto.NewOpener(w.restorer.Catalog.Identities).Open(bytes.NewReader(original))
	must(t, err)
	plain, err := io.ReadAll(opened)
	must(t, err)
	plain[len(plain)/2] ^= 0xff
	forged, err := w.pusher.Sealer.SealBytes(plain)
	must(t, err)
	if len(forged) != len(original) {
		t.Fatalf("test set-up: the forged part is %d bytes, the original %d; the size check would fire first", len(forged), len(original))
	}
	must(t, w.store.Put(w.ctx, name, forged))

	_, err = w.restorer.Restore(w.ctx, host, "home", restore.Target{}, w.target, restore.Options{})
	var partErr *restore.PartError
	if !errors.As(err, &partErr) || partErr.Object != name || !strings.Contains(err.Error(), "stored sha256 is") {
		t.Fatalf("restore with a forged part = %v, want a PartError naming %s and its stored sha256", err, name)
	}
	if _, err := os.Lstat(filepath.Join(w.target, rec.Snapshot)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed restore left %s behind: %v", rec.Snapshot, err)
	}
}

// A record whose UUID is not the one the stream carries is caught after
// btrfs receive by the received-UUID check, and the received subvolume is
// removed: nothing is left looking like a restore of that record.
func TestRestoreChecksTheReceivedUUID(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	mustWrite(t, filepath.Join(w.source, "notes.txt"), []byte("day one\n"), 0o644)
	rec := w.push(true)

	changed := *rec
	changed.UUID = "0f8c4c6d-1d2e-4b7a-9a55-3c2d1e0f9a8b"
	err := w.restorer.Replay(w.ctx, []*manifest.Record{&changed}, w.target, false)
	if err == nil || !strings.Contains(err.Error(), `received UUID "`+rec.UUID+`", the record says `+changed.UUID) {
		t.Fatalf("replay of a record with a changed UUID = %v, want the received-UUID check to fail", err)
	}
	if _, err := os.Lstat(filepath.Join(w.target, rec.Snapshot)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the rejected stream was left in the target: %v", err)
	}
}
