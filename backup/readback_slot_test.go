package backup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/remote"
)

// sizeOnlyStore is a remote like WebDAV: an upload checks the size alone
// and a listing has no hash, so every part is read back. It can damage
// the first upload of one part (after its size check), and hold every
// read-back until the upload of part holdUntil has started.
type sizeOnlyStore struct {
	*memstore.Store
	damagePart int // -1: none
	holdUntil  int // -1: none
	mu         sync.Mutex
	uploads    map[int]int
	started    chan struct{} // closed once part holdUntil's upload started
}

func newSizeOnlyStore(damagePart, holdUntil int) *sizeOnlyStore {
	return &sizeOnlyStore{Store: memstore.New(), damagePart: damagePart, holdUntil: holdUntil,
		uploads: map[int]int{}, started: make(chan struct{})}
}

func (s *sizeOnlyStore) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sum string) (remote.Checked, error) {
	_, _, _, file, _ := remote.ParsePath(name)
	i, isPart := remote.ParsePartFile(file)
	s.mu.Lock()
	s.uploads[i]++
	first := s.uploads[i] == 1
	if isPart && i == s.holdUntil && first {
		close(s.started)
	}
	s.mu.Unlock()
	if _, err := s.Store.PutSHA256(ctx, name, src, size, sum); err != nil {
		return remote.Checked{}, err
	}
	if isPart && i == s.damagePart && first {
		s.Corrupt(name, int(size/2))
	}
	return remote.Checked{}, nil
}

func (s *sizeOnlyStore) Stat(ctx context.Context, name string) (remote.Entry, error) {
	e, err := s.Store.Stat(ctx, name)
	e.SHA256, e.MD5 = "", ""
	return e, err
}

func (s *sizeOnlyStore) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	if s.holdUntil >= 0 && strings.Contains(name, "part-") {
		select {
		case <-s.started:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	return s.Store.OpenRange(ctx, name, off, n)
}

// With more than one transfer a part gives back its upload slot before
// it is read back: the part after the last upload slot uploads while the
// earlier parts are read back. Holding the slot through the read-back,
// the push would wait here for ever (every read-back waits for part 2's
// upload, which waits for a slot).
func TestUploadSlotIsFreeDuringTheReadBack(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pl := newPipeline(t, 2) // 2 transfers; the test stream has 3 parts
	st := newSizeOnlyStore(-1, 2)
	pl.store, pl.p.Store = st.Store, st
	_, parts, err := pl.p.cutAndStore(ctx, bytes.NewReader(pl.stream), home, pl.journal())
	if err != nil {
		t.Fatal(err)
	}
	pl.requireStored(parts)
	if got := pl.reloaded().Parts; len(got) != pl.parts() {
		t.Errorf("journal lists %d parts, want %d", len(got), pl.parts())
	}
}

// A part damaged on the remote after its upload's size check is caught by
// the read-back and uploaded again, whether it kept its upload slot (one
// transfer) or gave it back for the read-back (more).
func TestReadBackCatchesAPartDamagedOnTheRemote(t *testing.T) {
	for _, transfers := range []int{1, 3} {
		t.Run(fmt.Sprintf("transfers %d", transfers), func(t *testing.T) {
			t.Parallel()
			pl := newPipeline(t, transfers)
			st := newSizeOnlyStore(1, -1)
			pl.store, pl.p.Store = st.Store, st
			_, parts, err := pl.run(pl.journal())
			if err != nil {
				t.Fatal(err)
			}
			if st.uploads[1] != 2 {
				t.Errorf("the damaged part was uploaded %d times, want 2", st.uploads[1])
			}
			pl.requireStored(parts)
		})
	}
}
