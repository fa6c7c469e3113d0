package crypto

import (
	"runtime"
	"testing"
	"time"
)

// What a free list gives back: nothing when empty, the last item put back
// otherwise, and the same after garbage collections (which a sync.Pool
// would have emptied: the reason for the list).
func TestFreeListKeepsItemsThroughCollections(t *testing.T) {
	for _, tt := range []struct {
		name string
		put  []int
		gc   bool
		want []int // what successive gets return; -1: nothing
	}{
		{"empty", nil, false, []int{-1}},
		{"last in first out", []int{1, 2}, false, []int{2, 1, -1}},
		{"through collections", []int{7}, true, []int{7, -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := &freeList[*int]{idle: time.Hour}
			for _, v := range tt.put {
				l.put(&v)
			}
			if tt.gc {
				runtime.GC()
				runtime.GC()
			}
			for i, want := range tt.want {
				v, ok := l.get()
				switch {
				case want < 0 && ok:
					t.Fatalf("get %d = %d, want nothing", i, *v)
				case want >= 0 && (!ok || *v != want):
					t.Fatalf("get %d = %v, %v, want %d", i, v, ok, want)
				}
			}
		})
	}
}

// Items idle for the list's idle time are dropped (and released); items
// taken out in the meantime are not the list's to drop.
func TestFreeListDropsIdleItems(t *testing.T) {
	dropped := make(chan int, 4)
	l := &freeList[int]{idle: 20 * time.Millisecond, drop: func(v int) { dropped <- v }}
	l.put(1)
	l.put(2)
	if v, ok := l.get(); !ok || v != 2 {
		t.Fatalf("get = %d, %v, want 2", v, ok)
	}
	select {
	case v := <-dropped:
		if v != 1 {
			t.Fatalf("dropped %d, want 1 (2 is in use)", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the idle item was never dropped")
	}
	if n := l.len(); n != 0 {
		t.Errorf("after the drop the list holds %d items, want 0", n)
	}
	l.put(2) // what was in use comes back, and the list works on
	if v, ok := l.get(); !ok || v != 2 {
		t.Errorf("get after the drop = %d, %v, want 2", v, ok)
	}
}
