package restore_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/remote"
)

// truncatingStore stores the first upload of one object short, and says
// nothing: a layer that loses bytes on the way. It logs every upload.
type truncatingStore struct {
	backup.Store
	victim string
	mu     sync.Mutex
	done   bool
	puts   []string
}

func (s *truncatingStore) Put(ctx context.Context, name string, data []byte) error {
	if s.cut(name) {
		data = data[:len(data)/2]
	}
	return s.Store.Put(ctx, name, data)
}

// PutSHA256 is how parts are uploaded. The short copy goes through Put,
// which hashes what it is given: the remote holds it without a complaint.
func (s *truncatingStore) PutSHA256(ctx context.Context, name string, data []byte, sha256Hex string) error {
	if s.cut(name) {
		return s.Store.Put(ctx, name, data[:len(data)/2])
	}
	return s.Store.PutSHA256(ctx, name, data, sha256Hex)
}

// cut logs an upload and says whether to store it short.
func (s *truncatingStore) cut(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts = append(s.puts, name)
	cut := name == s.victim && !s.done
	s.done = s.done || cut
	return cut
}

// A part that does not read back as uploaded is caught before the record
// commits and uploaded again; the committed backup is intact, and its parts
// count as checked for the budgeted verify.
func TestPushReadsPartsBack(t *testing.T) {
	spec := remotetest.Local(t)
	w := newWorld(t, spec)
	writeNoise(t, filepath.Join(w.source, "photos.raw"), 3<<20+77, 7)
	snapshot := "home.20261101T020000Z" // the world's clock
	victim := remote.PartName(host, "home", snapshot, 1)
	ts := &truncatingStore{Store: w.pusher.Store, victim: victim}
	w.pusher.Store = ts
	rec := w.push(false)
	if rec.Snapshot != snapshot {
		t.Fatalf("pushed %s, the test expected %s", rec.Snapshot, snapshot)
	}
	record := remote.RecordName(host, "home", snapshot)
	first, last, commit := slices.Index(ts.puts, victim), lastIndex(ts.puts, victim), slices.Index(ts.puts, record)
	if first < 0 || last == first || commit < last {
		t.Errorf("uploads %q: want %s twice, both before the record", ts.puts, victim)
	}
	requireOK(t, (&chain{world: w}).mustVerify(quick), rec)
	log := w.pusher.State.CheckLog(host, "home")
	for _, p := range rec.Parts {
		name := remote.PartName(host, "home", snapshot, p.Index)
		if _, ok := log.Last(name, p); !ok {
			t.Errorf("%s was read back after the push but is not marked checked", name)
		}
	}
}

func lastIndex(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if strings.EqualFold(s[i], v) {
			return i
		}
	}
	return -1
}
