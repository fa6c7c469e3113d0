package backup

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/memstore"
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
			err := p.downloadBack(ctx, "h/s/snap/part-000000.zst.age", bytes.NewReader(sealed), mismatch)
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
