// Package offheap hands out big byte buffers outside the Go heap, in
// anonymous memory maps, reused and released by size.
//
// Part buffers (a push's and a restore's, 32 MiB each with the defaults)
// in the heap are most of what the garbage collector paces itself by: with
// the soft memory limit (cmd/argo-backup, memory.go) the heap sat at the
// limit and the collector ran without pause whenever anything else was
// live, and without the limit the heap ran to 1.5x what was live before a
// collection (docs/performance.md). Outside it, the collector paces itself
// by what else is live, and a buffer costs in RSS only the pages written.
//
// Maps are never unmapped: Release gives buffers back, their pages released
// to the kernel (MADV_DONTNEED: reads see zeros, the memory is free), for
// the next Map of the same size to reuse. A goroutine that still read a
// buffer after it was released (an abandoned upload) reads zeros or another
// owner's bytes, never unmapped memory.
package offheap

import (
	"sync"

	"golang.org/x/sys/unix"
)

var pool struct {
	mu   sync.Mutex
	free map[int][][]byte // by size
}

// Map returns a buffer of size bytes outside the heap, or from the heap if
// the kernel refuses a map. Its pages cost memory only once written.
func Map(size int) []byte {
	pool.mu.Lock()
	if list := pool.free[size]; len(list) > 0 {
		buf := list[len(list)-1]
		pool.free[size] = list[:len(list)-1]
		pool.mu.Unlock()
		return buf
	}
	pool.mu.Unlock()
	buf, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]byte, size)
	}
	return buf
}

// Release releases the pages of bufs (which Map returned, all of len
// size) and keeps the maps for later Maps. The caller must not use them
// again.
func Release(size int, bufs ...[]byte) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.free == nil {
		pool.free = map[int][][]byte{}
	}
	for _, buf := range bufs {
		buf = buf[:size:size]
		if err := unix.Madvise(buf, unix.MADV_DONTNEED); err != nil {
			continue // a heap buffer (the map was refused): the GC frees it
		}
		pool.free[size] = append(pool.free[size], buf)
	}
}

// Free returns how many released maps of size are kept for reuse.
func Free(size int) int {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return len(pool.free[size])
}
