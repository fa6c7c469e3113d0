package restore

import (
	"bytes"
	"sync"
)

// partFree is a free list of plaintext part buffers, so that a restore
// reuses the few buffers it holds at once (decoders, see fetchParts) for
// all its parts. Not a sync.Pool: the garbage collector empties a pool,
// each part was then allocated anew and the heap ran to 1.5x what was live
// before the next collection (restore peaked at 335-366 MiB with transfers
// 4, docs/performance.md). Each fetchParts has its own, so a daemon keeps
// nothing between jobs.
//
// The buffers stay in the Go heap: outside it (internal/offheap, as push's)
// a restore peaked 35 MiB lower but collected 6 times as often and used
// 5-10% more CPU (docs/performance.md, "restore spools the parts it
// downloads ahead").
type partFree struct {
	mu   sync.Mutex
	bufs []*bytes.Buffer
	made int // buffers made, not taken from the list (tests)
}

// maxFree bounds what the list keeps, should a caller ever hold more.
const maxFree = 65

// get returns a buffer from the list, or a new one; a nil list makes new
// ones.
func (f *partFree) get() *bytes.Buffer {
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
	return new(bytes.Buffer)
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
