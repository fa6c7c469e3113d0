package backup

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Part buffers live outside the Go heap, in anonymous memory maps. A push
// holds about five of them (160 MiB with the defaults): in the heap they
// were most of what the garbage collector paced itself by, so with the soft
// memory limit (cmd/argo-backup, memory.go) the heap sat at the limit and
// the collector ran without pause whenever anything else was live (a
// 60,000-file index: 158 collections, 3 to 8 s of CPU in a full push).
// Outside it, the collector paces itself by what else is live, and the
// buffers cost the same RSS as before.
//
// Maps are never unmapped: a push that ends gives its buffers back here,
// their pages released to the kernel (MADV_DONTNEED: reads see zeros, the
// memory is free), for the next push to reuse. A goroutine that still read
// a buffer after its push ended (an abandoned upload) reads zeros or
// another part's bytes, never unmapped memory.
var offHeap struct {
	mu   sync.Mutex
	free map[int][][]byte // by size
}

// mapBuffer returns a buffer of size bytes outside the heap, or from the
// heap if the kernel refuses a map.
func mapBuffer(size int) []byte {
	offHeap.mu.Lock()
	if list := offHeap.free[size]; len(list) > 0 {
		buf := list[len(list)-1]
		offHeap.free[size] = list[:len(list)-1]
		offHeap.mu.Unlock()
		return buf
	}
	offHeap.mu.Unlock()
	buf, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]byte, size)
	}
	return buf
}

// unmapBuffers releases the pages of bufs (which mapBuffer returned, all
// of len size) and keeps the maps for later pushes.
func unmapBuffers(size int, bufs [][]byte) {
	offHeap.mu.Lock()
	defer offHeap.mu.Unlock()
	if offHeap.free == nil {
		offHeap.free = map[int][][]byte{}
	}
	for _, buf := range bufs {
		buf = buf[:size:size]
		if err := unix.Madvise(buf, unix.MADV_DONTNEED); err != nil {
			continue // a heap buffer (the map was refused): the GC frees it
		}
		offHeap.free[size] = append(offHeap.free[size], buf)
	}
}
