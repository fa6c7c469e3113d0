package crypto

import (
	"sync"
	"time"
)

// idleDrop is how long kept encoders outlive their last use.
const idleDrop = 10 * time.Second

// freeList keeps the zstd encoders that Seal is done with, for the next
// part. A sync.Pool did this before, but the garbage
// collector empties a pool, and a push collects often (its live heap is
// mostly part buffers, close to the soft memory limit): a full push
// created 9 encoders for 2 workers, each with a 16 MiB history, which made
// more garbage and so more collections. A free list keeps what is in
// use; what has been idle for idleDrop (a daemon between pushes) is
// dropped, so that an idle program does not hold them.
type freeList[T any] struct {
	mu       sync.Mutex
	free     []T
	lastUsed time.Time
	timer    *time.Timer
	idle     time.Duration // 0: idleDrop
	drop     func(T)       // releases one dropped item, if set
}

// get returns an item from the list, if it has one.
func (l *freeList[T]) get() (T, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastUsed = time.Now()
	var zero T
	n := len(l.free)
	if n == 0 {
		return zero, false
	}
	v := l.free[n-1]
	l.free[n-1] = zero
	l.free = l.free[:n-1]
	return v, true
}

// put gives an item back, and arms the timer that drops idle items.
func (l *freeList[T]) put(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free = append(l.free, v)
	l.lastUsed = time.Now()
	if l.timer == nil {
		l.timer = time.AfterFunc(l.idleTime(), l.expire)
	}
}

func (l *freeList[T]) idleTime() time.Duration {
	if l.idle > 0 {
		return l.idle
	}
	return idleDrop
}

// expire drops every free item if the list has not been used for its idle
// time, and otherwise looks again when it will have been.
func (l *freeList[T]) expire() {
	l.mu.Lock()
	if wait := l.idleTime() - time.Since(l.lastUsed); wait > 0 {
		l.timer.Reset(wait)
		l.mu.Unlock()
		return
	}
	dropped := l.free
	l.free, l.timer = nil, nil
	l.mu.Unlock()
	if l.drop != nil {
		for _, v := range dropped {
			l.drop(v)
		}
	}
}

// len is how many items the list holds (tests).
func (l *freeList[T]) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.free)
}
