package backup

import (
	"sync/atomic"

	"github.com/argo-backup/argo-backup/sendstream"
)

// The file index is built from the commands push's Validator has already
// decoded and checked (Validator.OnCommand): the stream is parsed once.
// Their byte slices point into part buffers, which are reused (and
// unmapped) once a part is sealed, so each command is copied, its data
// into an arena, and the copies go to the builder's goroutine in batches:
// the reader pays for one copy, the builder's work (the per-file digest
// above all) runs on another core, and what is in flight stays bounded.
var (
	feedArena    = 256 << 10 // data bytes a batch holds (one command may hold more)
	feedCommands = 256       // commands a batch holds
	feedQueue    = 2         // batches waiting for the builder
)

// cmdBatch is commands copied out of the stream, their byte slices in arena.
type cmdBatch struct {
	cmds  []sendstream.Command
	arena []byte
}

// feed is the channel from the reader to the builder. Only the reader
// calls add and close; the builder calls apply for each batch.
type feed struct {
	queue  chan *cmdBatch
	free   chan *cmdBatch
	failed chan struct{} // closed when the builder stopped on an error
	cur    *cmdBatch
	off    atomic.Bool // no more commands wanted (the builder failed)
}

func newFeed() *feed {
	return &feed{queue: make(chan *cmdBatch, feedQueue), free: make(chan *cmdBatch, feedQueue+2),
		failed: make(chan struct{})}
}

// add copies c into the current batch, handing the batch over first when
// c does not fit.
func (f *feed) add(c *sendstream.Command) {
	if f.off.Load() {
		return
	}
	need := len(c.Data) + len(c.XattrData) + len(c.VeritySalt) + len(c.VeritySig)
	if f.cur != nil && (len(f.cur.cmds) == feedCommands || len(f.cur.arena)+need > cap(f.cur.arena)) {
		f.flush()
	}
	if f.cur == nil {
		f.cur = f.batch()
	}
	if cap(f.cur.arena) < need {
		f.cur.arena = make([]byte, 0, need) // an empty batch: nothing points into the old arena
	}
	cc := *c
	cc.Data = f.keep(c.Data)
	cc.XattrData = f.keep(c.XattrData)
	cc.VeritySalt = f.keep(c.VeritySalt)
	cc.VeritySig = f.keep(c.VeritySig)
	f.cur.cmds = append(f.cur.cmds, cc)
}

// keep copies b into the current arena, which has room for it (add made
// sure): the arena is never reallocated under earlier commands' slices.
func (f *feed) keep(b []byte) []byte {
	if b == nil {
		return nil
	}
	a := f.cur.arena
	f.cur.arena = append(a, b...)
	return f.cur.arena[len(a):len(f.cur.arena):len(f.cur.arena)]
}

// batch returns an empty batch, reused when the builder gave one back.
func (f *feed) batch() *cmdBatch {
	select {
	case b := <-f.free:
		return b
	default:
		return &cmdBatch{cmds: make([]sendstream.Command, 0, feedCommands), arena: make([]byte, 0, feedArena)}
	}
}

// flush hands the current batch to the builder, waiting while the queue
// is full (the builder is behind: the reader slows down instead of
// piling commands up), unless the builder has failed.
func (f *feed) flush() {
	if f.cur == nil || len(f.cur.cmds) == 0 {
		return
	}
	select {
	case f.queue <- f.cur:
	case <-f.failed:
		f.off.Store(true)
	}
	f.cur = nil
}

// close hands over the last batch and tells the builder the stream ended.
func (f *feed) close() {
	f.flush()
	close(f.queue)
}

// drain runs apply on every batch until the queue closes, and gives each
// batch back. After apply's first error it stops applying (and closes
// failed, so that the reader stops copying), but still drains; so it does
// once the push is abandoned (off).
func (f *feed) drain(apply func(*sendstream.Command) error) error {
	var err error
	for b := range f.queue {
		for i := 0; i < len(b.cmds) && err == nil && !f.off.Load(); i++ {
			err = apply(&b.cmds[i])
		}
		if err != nil && !f.off.Swap(true) {
			close(f.failed)
		}
		clear(b.cmds) // the strings may go
		b.cmds, b.arena = b.cmds[:0], b.arena[:0]
		select {
		case f.free <- b:
		default:
		}
	}
	return err
}
