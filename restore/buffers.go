package restore

import (
	"bytes"
	"sync"

	"github.com/argo-backup/argo-backup/internal/offheap"
)

// partFree is a free list of plaintext part buffers, so that a restore
// reuses the few buffers it holds at once (decoders, see fetchParts) for
// all its parts. Not a sync.Pool: the garbage collector empties a pool,
// each part was then allocated anew and the heap ran to 1.5x what was live
// before the next collection (restore peaked at 335-366 MiB with transfers
// 4, docs/performance.md). Each fetchParts has its own, released when it
// ends, so a daemon keeps nothing between jobs.
//
// With offHeap, the buffers for parts up to maxPrealloc are anonymous maps
// outside the Go heap (internal/offheap), so that the collector does not
// pace itself by them: in the heap, GOGC 50 let it run to 1.5x the two
// parts, 35 MiB more with the default part_size, more with bigger parts
// (docs/performance.md, "restore spools the parts it downloads ahead").
// release gives them back.
type partFree struct {
	offHeap bool

	mu   sync.Mutex
	bufs []*bytes.Buffer
	maps [][]byte // the maps under the off-heap buffers, for release
	made int      // buffers made, not taken from the list (tests)
}

// offHeapSize is the size of every off-heap buffer: the largest part read
// into one (maxPrealloc), the byte past it that shows a longer part, and
// the room bytes.Buffer.ReadFrom wants free before each read. A map costs
// only the pages written, so one size serves every part.
const offHeapSize = maxPrealloc + 1 + bytes.MinRead

// maxFree bounds what the list keeps, should a caller ever hold more.
const maxFree = 65

// get returns a buffer for a part of plainBytes from the list, or a new
// one; a nil list makes new ones.
func (f *partFree) get(plainBytes int64) *bytes.Buffer {
	if f == nil {
		return new(bytes.Buffer)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.bufs); n > 0 {
		b := f.bufs[n-1]
		f.bufs = f.bufs[:n-1]
		return b
	}
	f.made++
	if !f.offHeap || plainBytes > maxPrealloc {
		return new(bytes.Buffer)
	}
	m := offheap.Map(offHeapSize)
	f.maps = append(f.maps, m)
	return bytes.NewBuffer(m[:0])
}

// put gives b back to the list; a nil list drops it.
func (f *partFree) put(b *bytes.Buffer) {
	if f == nil || b == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bufs) < maxFree {
		f.bufs = append(f.bufs, b)
	}
}

// release empties the list and gives its off-heap buffers back, their pages
// to the kernel. No buffer it handed out may be used after.
func (f *partFree) release() {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	offheap.Release(offHeapSize, f.maps...)
	f.bufs, f.maps = nil, nil
}
