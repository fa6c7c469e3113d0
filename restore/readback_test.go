package restore_test

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/remote"
)

// damagingStore stores the first upload of one object damaged, and says
// nothing: a layer that loses or garbles bytes on the way. It logs every
// upload, and reads (Open) straight from the remote.
type damagingStore struct {
	backup.Store
	remote *remote.Store
	damage func([]byte) []byte
	victim string
	mu     sync.Mutex
	done   bool
	puts   []string
	opens  []string // objects read back by a download
}

func (s *damagingStore) Put(ctx context.Context, name string, data []byte) error {
	if s.hit(name) {
		data = s.damage(data)
	}
	return s.Store.Put(ctx, name, data)
}

// PutSHA256 is how parts are uploaded. The damaged copy goes through Put,
// which hashes what it is given: the remote holds it without a complaint,
// and, like a remote that checked only the size, says it checked no hash
// against the pusher's sum, so the push reads the part back.
func (s *damagingStore) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error) {
	if s.hit(name) {
		data, err := io.ReadAll(io.NewSectionReader(src, 0, size))
		if err != nil {
			return remote.Checked{}, err
		}
		return remote.Checked{}, s.Store.Put(ctx, name, s.damage(data))
	}
	return s.Store.PutSHA256(ctx, name, src, size, sha256Hex)
}

func (s *damagingStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	s.mu.Lock()
	s.opens = append(s.opens, name)
	s.mu.Unlock()
	return s.remote.Open(ctx, name)
}

func (s *damagingStore) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	s.mu.Lock()
	s.opens = append(s.opens, name)
	s.mu.Unlock()
	return s.remote.OpenRange(ctx, name, off, n)
}

// hit logs an upload and says whether to damage it.
func (s *damagingStore) hit(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.puts = append(s.puts, name)
	hit := name == s.victim && !s.done
	s.done = s.done || hit
	return hit
}

// A part that does not read back as uploaded is caught before the record
// commits and uploaded again: a short one by its listed size, one of the
// right size with a byte changed by a download (the local backend lists no
// hash). The committed backup is intact, and its parts count as checked for
// the budgeted verify. A part whose upload the remote checked against the
// pusher's sha256 (the local backend hashes the file it wrote) is not
// downloaded again: only the damaged one, whose upload checked no hash,
// and only where its size did not already give it away.
func TestPushReadsPartsBack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		damage    func([]byte) []byte
		downloads int // read-back downloads of the victim
	}{
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, 0},
		{"garbled", func(b []byte) []byte {
			c := slices.Clone(b)
			c[len(c)/2] ^= 0x40
			return c
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := remotetest.Local(t)
			w := newWorld(t, spec)
			writeNoise(t, filepath.Join(w.source, "photos.raw"), 3<<20+77, 7)
			snapshot := "home.20261101T020000Z" // the world's clock
			victim := remote.PartName(host, "home", snapshot, 1)
			ds := &damagingStore{Store: w.pusher.Store, remote: w.store, damage: tc.damage, victim: victim}
			w.pusher.Store = ds
			rec := w.push(false)
			if rec.Snapshot != snapshot {
				t.Fatalf("pushed %s, the test expected %s", rec.Snapshot, snapshot)
			}
			record := remote.RecordName(host, "home", snapshot)
			first, last, commit := slices.Index(ds.puts, victim), lastIndex(ds.puts, victim), slices.Index(ds.puts, record)
			if first < 0 || last == first || commit < last {
				t.Errorf("uploads %q: want %s twice, both before the record", ds.puts, victim)
			}
			if want := slices.Repeat([]string{victim}, tc.downloads); !slices.Equal(ds.opens, want) {
				t.Errorf("downloaded %q to read back, want %q", ds.opens, want)
			}
			requireOK(t, (&chain{world: w}).mustVerify(quick), rec)
			log := w.pusher.State.CheckLog(host, "home")
			for _, p := range rec.Parts {
				name := remote.PartName(host, "home", snapshot, p.Index)
				if _, ok := log.Last(name, p); !ok {
					t.Errorf("%s was read back after the push but is not marked checked", name)
				}
			}
		})
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

// On a remote that keeps no hash (WebDAV), the upload checks only the
// size, so the push downloads every part once to read it back.
func TestPushDownloadsPartsBackWhereTheRemoteKeepsNoHash(t *testing.T) {
	w := newWorld(t, remotetest.WebDAV(t))
	writeNoise(t, filepath.Join(w.source, "photos.raw"), 3<<20+77, 8)
	ds := &damagingStore{Store: w.pusher.Store, remote: w.store, damage: nil, victim: "none"}
	w.pusher.Store = ds
	rec := w.push(false)
	var want []string
	for _, p := range rec.Parts {
		want = append(want, remote.PartName(host, "home", rec.Snapshot, p.Index))
	}
	parts := slices.DeleteFunc(slices.Clone(ds.opens), func(name string) bool { return !strings.Contains(name, "/part-") })
	slices.Sort(parts)
	if len(want) < 3 || !slices.Equal(parts, want) {
		t.Errorf("downloaded parts %q to read back, want every part once: %q", parts, want)
	}
}
