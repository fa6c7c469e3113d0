package restore_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// SaveIndex gives back, byte for byte, the plain index push kept in
// state_dir (what push puts back when that copy is gone), and refuses a
// swapped index object by name, as browsing does.
func TestSaveIndexGivesBackStateDirsCopy(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	full, incr1, _ := w.pushChain()
	cat := &w.restorer.Catalog
	for _, rec := range []*manifest.Record{full, incr1} {
		want, err := os.ReadFile(w.pusher.State.IndexPath(host, "home", rec.Snapshot))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := cat.SaveIndex(w.ctx, host, rec, &got); err != nil {
			t.Fatalf("SaveIndex %s: %v", rec.Snapshot, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("SaveIndex %s gave %d bytes, not the %d push kept in state_dir", rec.Snapshot, got.Len(), len(want))
		}
	}
	b, err := w.store.ReadAll(w.ctx, remote.IndexName(host, "home", full.Snapshot))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", incr1.Snapshot), b); err != nil {
		t.Fatal(err)
	}
	err = cat.SaveIndex(w.ctx, host, incr1, &bytes.Buffer{})
	if !errs.IsDamage(err) || !strings.Contains(err.Error(), "modified or swapped") || !strings.Contains(err.Error(), incr1.Snapshot) {
		t.Errorf("SaveIndex of a swapped index gave %v, want it refused by name", err)
	}
}
