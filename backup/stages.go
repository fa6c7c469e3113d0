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
	check  chan struct{} // a slot per part read back after its upload (readback.go)
	turn   chan struct{} // closed once the last part started has its upload slot
}

func newStages(workers, transfers int, partSize int64) *stages {
	first := make(chan struct{})
	close(first)
	return &stages{
		bufs:   newPartBuffers(pushBuffers(workers, transfers), maxSealedSize(int(partSize))),
		seal:   make(chan struct{}, workers),
		upload: make(chan struct{}, transfers),
		check:  make(chan struct{}, transfers),
		turn:   first,
	}
}

// pushBuffers is how many part buffers a push may hold. A part being
// sealed holds two (plaintext in, sealed out), a part being uploaded one.
// 2*workers+1 lets every worker seal while the next part is read;
// transfers+1 keeps every upload slot busy on a slow line: while transfers
// parts upload, the next one is read and sealed, ready the moment an
// upload ends.
func pushBuffers(workers, transfers int) int {
	return max(2*workers+1, transfers+1)
}

// start takes what part index needs before it is read: a seal slot, then
// the buffer to read into; sealBuffer, once it is read, the buffer to
// seal into. Only the reader waits for buffers, and it takes both before
// handing the part on, so sealers and uploads never wait for a buffer and
// can always give theirs back: the stages cannot deadlock, whatever the
// counts. Reading before the second buffer is free lets the next part be
// read and checked while every upload slot is busy (transfers+1 buffers:
// one free), so that only its sealing is left when an upload ends.
func (s *stages) start(ctx context.Context, index int) (*partJob, error) {
	if err := acquire(ctx, s.seal); err != nil {
		return nil, err
	}
	// Upload slots go to parts in their order (uploadTurn): start is
	// called by the reader alone, one part after another.
	job := &partJob{st: s, index: index, sealing: true, prevTurn: s.turn, turn: make(chan struct{})}
	s.turn = job.turn
	var err error
	if job.buf, err = s.bufs.get(ctx); err != nil {
		job.done()
		return nil, err
	}
	return job, nil
}

// sealBuffer takes the buffer to seal into, once the part is read.
func (pj *partJob) sealBuffer(ctx context.Context) error {
	var err error
	pj.out, err = pj.st.bufs.get(ctx)
	return err
}

// partJob is one part on its way through the stages. Until it is sealed
// it holds its plaintext buffer and a seal slot; until it is uploaded, the
// sealed buffer.
type partJob struct {
	st      *stages
	index   int
	buf     []byte // the plaintext buffer, nil once given back
	plain   []byte // the part, in buf
	out     []byte // the buffer to seal into, nil once given back
	sealing bool   // holds a seal slot
	// uploading and checking: holds an upload slot, a read-back slot.
	uploading, checking bool

	prevTurn <-chan struct{} // closed once the part before has its upload slot
	turn     chan struct{}   // closed once this part has its upload slot, or never needs one
	passed   sync.Once
}

// uploadTurn takes an upload slot once every earlier part has taken
// theirs: with one transfer, parts upload in order, as the BeforePart
// checkpoint promises, however their sealing raced.
func (pj *partJob) uploadTurn(ctx context.Context) error {
	select {
	case <-pj.prevTurn:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if err := acquire(ctx, pj.st.upload); err != nil {
		return err
	}
	pj.uploading = true
	pj.passTurn()
	return nil
}

// handOff trades the upload slot and the sealed buffer for a read-back
// slot, once the part is uploaded and what its read-back compares is
// taken from the buffer: the next part uploads while this one is read
// back. It waits while transfers parts are read back, holding the upload
// slot: a slow read-back slows the uploads instead of piling parts up.
func (pj *partJob) handOff(ctx context.Context) error {
	if err := acquire(ctx, pj.st.check); err != nil {
		return err
	}
	pj.checking = true
	pj.uploaded()
	return nil
}

// uploaded gives back the upload slot and the sealed buffer.
func (pj *partJob) uploaded() {
	if pj.uploading {
		pj.uploading = false
		<-pj.st.upload
	}
	if pj.out != nil {
		pj.st.bufs.put(pj.out)
		pj.out = nil
	}
}

// checked gives back the read-back slot.
func (pj *partJob) checked() {
	if pj.checking {
		pj.checking = false
		<-pj.st.check
	}
}

// afterParts returns a function that takes an upload slot once every part
// started so far has taken its own, and gives back a function that
// releases it: the file index is uploaded within the transfers bound, after
// the parts (with one transfer, once the last is stored and journaled, as
// before: on Drive a day's upload limit then goes to the parts first).
// Only the reader may call it, once it has started the last part.
func (s *stages) afterParts() func(ctx context.Context) (release func(), err error) {
	turn := s.turn
	return func(ctx context.Context) (func(), error) {
		select {
		case <-turn:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if err := acquire(ctx, s.upload); err != nil {
			return nil, err
		}
		return func() { <-s.upload }, nil
	}
}

// passTurn lets the next part take an upload slot.
func (pj *partJob) passTurn() { pj.passed.Do(func() { close(pj.turn) }) }

// sealed gives back the plaintext buffer and the seal slot.
func (pj *partJob) sealed() {
	if pj.buf != nil {
		pj.st.bufs.put(pj.buf)
		pj.buf, pj.plain = nil, nil
	}
	if pj.sealing {
		pj.sealing = false
		<-pj.st.seal
	}
}

// done gives back whatever the job still holds, its turn at the upload
// slots included.
func (pj *partJob) done() {
	pj.passTurn()
	pj.sealed()
	pj.uploaded()
	pj.checked()
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
	made  [][]byte // every buffer made, for release (offheap.go)
	stats bufferStats
	// onFull, if set, is called when get has to wait (tests).
	onFull func()
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
	select {
	case b.slots <- struct{}{}:
	default:
		if b.onFull != nil {
			b.onFull()
		}
		if err := acquire(ctx, b.slots); err != nil {
			return nil, err
		}
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
	buf := mapBuffer(b.size)
	b.made = append(b.made, buf)
	return buf, nil
}

// release gives every buffer back for later pushes (offheap.go), once
// nothing uses them: the stages are done, their goroutines have returned.
func (b *partBuffers) release() {
	b.mu.Lock()
	made := b.made
	b.made, b.free = nil, nil
	b.mu.Unlock()
	unmapBuffers(b.size, made)
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

// PartMemory is the most a push holds in part buffers with part size
// partSize, transfers uploads and the default workers: what the program's
// soft memory limit is sized from (cmd/argo-backup, memory.go). A restore
// holds transfers+1 parts, never more than this.
func PartMemory(partSize int64, transfers int) int64 {
	workers := (&Pusher{}).workers()
	return int64(pushBuffers(workers, transfers)) * int64(maxSealedSize(int(partSize)))
}
