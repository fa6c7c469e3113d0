package backup

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/offheap"
	"github.com/argo-backup/argo-backup/remote"
)

// Part buffers are not in the Go heap: taking one does not grow it, so
// the garbage collector does not pace itself by them.
func TestPartBuffersAreOutsideTheHeap(t *testing.T) {
	const size = 64<<20 + 12345 // a size no other test uses
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b := newPartBuffers(1, size)
	buf, err := b.get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	buf[0], buf[size-1] = 1, 2 // touched, as a part would be
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapSys) - int64(before.HeapSys); grew >= size/2 {
		t.Errorf("the heap grew by %d bytes for a %d-byte part buffer", grew, size)
	}
	b.put(buf)
	b.release()
}

// A push gives its buffers back when it ends, and the next push reuses
// them instead of mapping more.
func TestPushReleasesItsBuffers(t *testing.T) {
	const partSize = 1<<20 + 4321                                       // so that no other test shares the buffers
	const size = partSize                                               // plaintext buffers only: sealed parts are spooled
	stream := encodeStream(bytes.Repeat([]byte("not zeros "), 500_000)) // ~5 MiB
	ctx := context.Background()
	most := offheap.Free(size) // left by an earlier run (-count)
	for push := range 2 {
		st, err := remote.Open(ctx, t.TempDir(), remote.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var staged *stages
		p := &Pusher{Host: "h", Store: st, Sealer: testSealer(t), State: State{Dir: t.TempDir()},
			PartSize: partSize, Workers: 2, Transfers: 2, onStages: func(s *stages) { staged = s }}
		j := newJournal(p.State, p.Host, "data", "data.20260101T000000Z", "", false, p.PartSize, time.Now())
		if _, _, err := p.cutAndStore(ctx, bytes.NewReader(stream), Subvolume{Name: "data"}, j); err != nil {
			t.Fatal(err)
		}
		// Maps are reused before new ones are made: the list holds as
		// many as the most any push held at once (internal/offheap's
		// tests check that their pages are released).
		most = max(most, staged.bufs.snapshot().Made)
		if free := offheap.Free(size); free != most {
			t.Fatalf("push %d: %d buffers given back, want %d (the most a push made)", push+1, free, most)
		}
	}
}
