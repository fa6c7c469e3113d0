package remote

import (
	"context"
	"sync"
	"time"
)

// heartbeat keeps a held lock fresh until released.
type heartbeat struct {
	s      *Store
	name   string
	lock   lockFile
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error
}

func (s *Store) startHeartbeat(ctx context.Context, name string, l lockFile, every time.Duration) *heartbeat {
	ctx, cancel := context.WithCancel(ctx)
	h := &heartbeat{s: s, name: name, lock: l, cancel: cancel, done: make(chan struct{})}
	go h.run(ctx, max(every, 10*time.Millisecond))
	return h
}

func (h *heartbeat) run(ctx context.Context, every time.Duration) {
	defer close(h.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := h.beat(ctx); err != nil && ctx.Err() == nil {
			h.s.opt.Log.ErrorContext(ctx, "remote: lock heartbeat failed", "lock", h.name, "err", err)
		}
	}
}

// beat refreshes the heartbeat, unless someone took the lock over.
func (h *heartbeat) beat(ctx context.Context) error {
	if err := h.s.stillMine(ctx, h.name, h.lock.Token); err != nil {
		return err
	}
	h.lock.Heartbeat = time.Now().UTC()
	return h.s.writeLock(ctx, h.name, h.lock)
}

// release stops the heartbeat and deletes the lock if it is still ours.
// Calling it again returns the first result.
func (h *heartbeat) release(ctx context.Context) error {
	h.once.Do(func() {
		h.cancel()
		<-h.done
		if h.err = h.s.stillMine(ctx, h.name, h.lock.Token); h.err == nil {
			h.err = h.s.Delete(ctx, h.name)
		}
	})
	return h.err
}
