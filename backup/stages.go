package backup

import (
	"context"
	"sync"
)

// stages is what bounds a push's memory and concurrency. Every part
// passes three stages: read from the send stream (one at a time), sealed
// (Workers at once: CPU), uploaded (Transfers at once: the network). All
// of them share one fixed set of buffers, so a slow network makes sealed
// parts wait for an upload slot while holding their buffers, which stops
// the sealers, which stops the reader, which stops btrfs send: the
// pipeline blocks instead of piling parts up in memory.
type stages struct {
	bufs   *partBuffers
	seal   chan struct{} // a slot per part being sealed
	upload chan struct{} // a slot per part being uploaded
}

func newStages(workers, transfers int, partSize int64) *stages {
	return &stages{
		bufs:   newPartBuffers(pushBuffers(workers, transfers), maxSealedSize(int(partSize))),
		seal:   make(chan struct{}, workers),
		upload: make(chan struct{}, transfers),
	}
}

// pushBuffers is how many part buffers a push may hold. Sealing a part
// needs two buffers (plaintext in, sealed out), so workers+2 buffers are
// the fewest that can never deadlock (the reader holds one, each sealer
// one plaintext, and one is left to seal into). transfers+1 keeps every
// upload slot busy on a slow line: while transfers parts upload, the next
// part is read and waits, and is sealed the moment an upload ends.
func pushBuffers(workers, transfers int) int {
	return max(workers+2, transfers+1)
}

// acquire takes a slot, or gives up when ctx ends.
func acquire(ctx context.Context, slots chan struct{}) error {
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// partBuffers is a fixed number of byte buffers of one size, handed out
// last-in first-out, so that a push that never needs them all (a fast
// remote) never touches, and so never allocates, the rest. Free lists, not
// sync.Pools: the garbage collector empties a pool, and each part would be
// allocated anew.
type partBuffers struct {
	size  int
	slots chan struct{}
	mu    sync.Mutex
	free  [][]byte
	stats bufferStats
}

// bufferStats is what a push held, for tests and for the log.
type bufferStats struct {
	Limit   int // buffers allowed
	Made    int // buffers allocated
	MaxHeld int // most buffers held at once
	held    int
}

func newPartBuffers(n, size int) *partBuffers {
	return &partBuffers{size: size, slots: make(chan struct{}, n), stats: bufferStats{Limit: n}}
}

// get returns a buffer of len size, waiting while all are in use.
func (b *partBuffers) get(ctx context.Context) ([]byte, error) {
	if err := acquire(ctx, b.slots); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.held++
	b.stats.MaxHeld = max(b.stats.MaxHeld, b.stats.held)
	if n := len(b.free); n > 0 {
		buf := b.free[n-1]
		b.free = b.free[:n-1]
		return buf, nil
	}
	b.stats.Made++
	return make([]byte, b.size), nil
}

// put gives back a buffer that get returned.
func (b *partBuffers) put(buf []byte) {
	b.mu.Lock()
	b.free = append(b.free, buf[:b.size])
	b.stats.held--
	b.mu.Unlock()
	<-b.slots
}

func (b *partBuffers) snapshot() bufferStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}
