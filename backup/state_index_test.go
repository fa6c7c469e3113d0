package backup

import (
	"errors"
	"os"
	"testing"

	"github.com/argo-backup/argo-backup/manifest"
)

// Pruning a backup forgets the state_dir copy of its file index with its
// record; a backup that has none is no error.
func TestRemoveRecordRemovesTheLocalIndex(t *testing.T) {
	s := State{Dir: t.TempDir()}
	rec := &manifest.Record{Host: "desk", Subvolume: "home", Snapshot: "home.20261101T020000Z"}
	path := s.IndexPath(rec.Host, rec.Subvolume, rec.Snapshot)
	if err := writeFileAtomic(path, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRecord(rec); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the local index is still there: %v", err)
	}
	if err := s.RemoveRecord(rec); err != nil {
		t.Fatalf("removing again: %v", err)
	}
}
