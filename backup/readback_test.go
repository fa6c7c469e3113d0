package backup

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/remote"
)

// rangeStore records the ranges read and how many were open at once, and
// can hold every range until as many are open as expected.
type rangeStore struct {
	*memstore.Store
	mu      sync.Mutex
	ranges  [][2]int64
	open    int
	maxOpen int
	allOpen chan struct{} // closed when want ranges are open at once
	want    int
}

func (s *rangeStore) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	s.mu.Lock()
	s.ranges = append(s.ranges, [2]int64{off, n})
	s.open++
	s.maxOpen = max(s.maxOpen, s.open)
	if s.open == s.want {
		close(s.allOpen)
	}
	s.mu.Unlock()
	select { // each range waits for the others: they must be read at once
	case <-s.allOpen:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	rc, err := s.Store.OpenRange(ctx, name, off, n)
	s.mu.Lock()
	s.open--
	s.mu.Unlock()
	return rc, err
}

// A part read back where the upload checked no hash is read in up to
// transfers ranges at once, which together cover it exactly; a changed
// byte in any range is a mismatch.
func TestReadBackReadsRangesAtOnce(t *testing.T) {
	// A read-back that read one range at a time would wait here for ever.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(1, 2))
	sealed := make([]byte, 3*readBackRange+12345) // four ranges with transfers 4
	for i := range sealed {
		sealed[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name    string
		flipAt  int // -1: none
		wantErr bool
	}{
		{"intact", -1, false},
		{"a byte changed in the third range", 2*readBackRange + 7, true},
		{"the last byte changed", len(sealed) - 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &rangeStore{Store: memstore.New(), allOpen: make(chan struct{}), want: 4}
			stored := bytes.Clone(sealed)
			if tc.flipAt >= 0 {
				stored[tc.flipAt] ^= 1
			}
			if err := st.Put(ctx, "h/s/snap/part-000000.zst.age", stored); err != nil {
				t.Fatal(err)
			}
			p := &Pusher{Host: "h", Store: st, Transfers: 4}
			mismatch := func(what, got, want string) error { return errReadBack }
			err := p.downloadBack(ctx, "h/s/snap/part-000000.zst.age", p.newBackCheck(sealed, "").ranges, mismatch)
			if got := errors.Is(err, errReadBack); got != tc.wantErr || (err != nil && !got) {
				t.Fatalf("read-back gave %v, want a mismatch: %v", err, tc.wantErr)
			}
			if st.maxOpen != 4 || len(st.ranges) != 4 {
				t.Errorf("%d ranges, at most %d at once; want 4 at once", len(st.ranges), st.maxOpen)
			}
			slices.SortFunc(st.ranges, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
			var next int64
			for _, r := range st.ranges {
				if r[0] != next {
					t.Errorf("ranges %v do not cover the part in order", st.ranges)
				}
				next = r[0] + r[1]
			}
			if next != int64(len(sealed)) {
				t.Errorf("ranges end at %d, the part at %d", next, len(sealed))
			}
		})
	}
}

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

func (s *sizeOnlyStore) PutSHA256(ctx context.Context, name string, data []byte, sum string) (remote.Checked, error) {
	_, _, _, file, _ := remote.ParsePath(name)
	i, isPart := remote.ParsePartFile(file)
	s.mu.Lock()
	s.uploads[i]++
	first := s.uploads[i] == 1
	if isPart && i == s.holdUntil && first {
		close(s.started)
	}
	s.mu.Unlock()
	if _, err := s.Store.PutSHA256(ctx, name, data, sum); err != nil {
		return remote.Checked{}, err
	}
	if isPart && i == s.damagePart && first {
		s.Corrupt(name, len(data)/2)
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
// the read-back. With one transfer it still holds its bytes and is
// uploaded again; with more it gave them back, and the push fails before
// the part is journaled, so that the next push uploads it again.
func TestReadBackCatchesAPartDamagedOnTheRemote(t *testing.T) {
	for _, tc := range []struct {
		transfers   int
		wantErr     bool
		wantUploads int // of the damaged part
	}{
		{1, false, 2},
		{3, true, 1},
	} {
		t.Run(fmt.Sprintf("transfers %d", tc.transfers), func(t *testing.T) {
			t.Parallel()
			pl := newPipeline(t, tc.transfers)
			st := newSizeOnlyStore(1, -1)
			pl.store, pl.p.Store = st.Store, st
			_, parts, err := pl.run(pl.journal())
			if got := errors.Is(err, errReadBack); got != tc.wantErr || (err != nil && !got) {
				t.Fatalf("push gave %v, want a read-back mismatch: %v", err, tc.wantErr)
			}
			if st.uploads[1] != tc.wantUploads {
				t.Errorf("the damaged part was uploaded %d times, want %d", st.uploads[1], tc.wantUploads)
			}
			if !tc.wantErr {
				pl.requireStored(parts)
				return
			}
			for _, part := range pl.reloaded().Parts {
				if part.Index == 1 {
					t.Errorf("the damaged part is journaled as stored: %+v", part)
				}
			}
		})
	}
}
