package offheap

import (
	"bytes"
	"runtime"
	"testing"
)

// A buffer is not in the Go heap: taking one and writing it does not grow
// the heap, so the garbage collector does not pace itself by it.
func TestBuffersAreOutsideTheHeap(t *testing.T) {
	const size = 64<<20 + 12345 // a size no other test uses
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	buf := Map(size)
	buf[0], buf[size-1] = 1, 2 // touched, as a part would be
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapSys) - int64(before.HeapSys); grew >= size/2 {
		t.Errorf("the heap grew by %d bytes for a %d-byte buffer", grew, size)
	}
	Release(size, buf)
}

// Released buffers read as zeros (their pages went back to the kernel) and
// are reused before new maps are made, by size.
func TestReleasedBuffersAreZeroedAndReused(t *testing.T) {
	const size = 1<<20 + 4321 // a size no other test uses
	kept := Free(size)        // left by an earlier run (-count)
	var bufs [][]byte
	for range 3 {
		buf := Map(size)
		if len(buf) != size {
			t.Fatalf("Map(%d) returned %d bytes", size, len(buf))
		}
		copy(buf, bytes.Repeat([]byte("not zeros "), size/10))
		bufs = append(bufs, buf)
	}
	want := max(kept, 3)
	Release(size, bufs...)
	if got := Free(size); got != want {
		t.Fatalf("%d maps kept after releasing 3, want %d", got, want)
	}
	for range want {
		buf := Map(size)
		if bytes.IndexFunc(buf, func(r rune) bool { return r != 0 }) >= 0 {
			t.Errorf("a released buffer still holds bytes: its pages were not released")
		}
		defer Release(size, buf)
	}
	if got := Free(size); got != 0 {
		t.Errorf("%d maps left after taking %d: the released ones were not reused", got, want)
	}
	if got := Free(size + 1); got != 0 {
		t.Errorf("a size never released has %d maps", got)
	}
}
