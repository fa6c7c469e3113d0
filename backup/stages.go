package backup

import (
	"context"
	"sync"

	"github.com/argo-backup/argo-backup/internal/offheap"
)

// stages is what bounds a push's memory, disk and concurrency. Every part
// passes three stages: read from the send stream (one at a time), sealed
// (Workers at once: CPU) into a spool file (spool.go), uploaded (Transfers
// at once: the network). A part holds a spool slot from before it is read
// until its upload ends, so a slow network makes sealed parts wait for an
// upload slot while holding their spool slots, which stops the reader,
// which stops btrfs send: the pipeline blocks instead of piling parts up,
// in memory or on disk. Memory is the plaintext buffers alone, one per
// seal slot, whatever transfers is.
type stages struct {
	bufs    *partBuffers
	spool   *spool
	spooled chan struct{} // a slot per part read, sealed or uploading
	seal    chan struct{} // a slot per part being read or sealed
	upload  chan struct{} // a slot per part being uploaded
	turn    chan struct{} // closed once the last part started has its upload slot
	// onFull, if set, is called when the reader has to wait for a spool
	// slot (tests).
	onFull func()
}

func newStages(workers, transfers int, partSize int64, sp *spool) *stages {
	first := make(chan struct{})
	close(first)
	return &stages{
		bufs:    newPartBuffers(workers, int(partSize)),
		spool:   sp,
		spooled: make(chan struct{}, spoolSlots(workers, transfers)),
		seal:    make(chan struct{}, workers),
		upload:  make(chan struct{}, transfers),
		turn:    first,
	}
}

// spoolSlots is how many parts a push may hold between reading and the end
// of their upload, so at most how many sealed parts it has on disk:
// transfers uploading and workers read or sealed, ready the moment an
// upload ends, so every upload slot stays busy on a slow line.
func spoolSlots(workers, transfers int) int {
	return workers + transfers
}

// start takes what part index needs before it is read: a spool slot, a
// seal slot, then the buffer to read into (there is one per seal slot, so
// that never waits). Only the reader waits for slots, and it takes all
// before reading, so sealers and uploads never wait for one and can
// always give theirs back: the stages cannot deadlock, whatever the
// counts.
func (s *stages) start(ctx context.Context, index int) (*partJob, error) {
	select {
	case s.spooled <- struct{}{}:
	default:
		if s.onFull != nil {
			s.onFull()
		}
		if err := acquire(ctx, s.spooled); err != nil {
			return nil, err
		}
	}
	// Upload slots go to parts in their order (uploadTurn): start is
	// called by the reader alone, one part after another.
	job := &partJob{st: s, index: index, spooling: true, prevTurn: s.turn, turn: make(chan struct{})}
	s.turn = job.turn
	err := acquire(ctx, s.seal)
	if err == nil {
		job.sealing = true
		job.buf, err = s.bufs.get(ctx)
	}
	if err != nil {
		job.done()
		return nil, err
	}
	return job, nil
}

// partJob is one part on its way through the stages. Until it is sealed
// it holds its plaintext buffer and a seal slot; until it is uploaded, its
// spool slot and, once sealed, its spool file.
type partJob struct {
	st       *stages
	index    int
	buf      []byte      // the plaintext buffer, nil once given back
	plain    []byte      // the part, in buf
	out      *sealedPart // the sealed part, once sealed
	sealing  bool        // holds a seal slot
	spooling bool        // holds a spool slot
	// uploading: holds an upload slot (given back before a read-back).
	uploading bool

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

// uploaded gives back the upload slot, once the part is uploaded: its
// read-back (readback.go) downloads and compares with the spool file, so
// the next part may upload meanwhile. The part keeps its spool slot and
// file until it is read back and journaled, which bounds the parts being
// read back.
func (pj *partJob) uploaded() {
	if pj.uploading {
		pj.uploading = false
		<-pj.st.upload
	}
}

// uploadAgain takes an upload slot again, for a part that did not read
// back as uploaded.
func (pj *partJob) uploadAgain(ctx context.Context) error {
	if pj.uploading {
		return nil
	}
	if err := acquire(ctx, pj.st.upload); err != nil {
		return err
	}
	pj.uploading = true
	return nil
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
// slots included, and frees its spool file.
func (pj *partJob) done() {
	pj.passTurn()
	pj.sealed()
	pj.uploaded()
	if pj.out != nil {
		pj.out.close()
		pj.out = nil
	}
	if pj.spooling {
		pj.spooling = false
		<-pj.st.spooled
	}
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
	made  [][]byte // every buffer made, for release (internal/offheap)
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
	buf := offheap.Map(b.size)
	b.made = append(b.made, buf)
	return buf, nil
}

// release gives every buffer back for later pushes (internal/offheap), once
// nothing uses them: the stages are done, their goroutines have returned.
func (b *partBuffers) release() {
	b.mu.Lock()
	made := b.made
	b.made, b.free = nil, nil
	b.mu.Unlock()
	offheap.Release(b.size, made...)
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

// PartMemory is the most a push or a restore holds in part buffers with
// part size partSize, transfers uploads or downloads and the default
// workers: what the program's soft memory limit is sized from
// (cmd/argo-backup, memory.go). A push holds a plaintext buffer per
// worker (its sealed parts are spooled to disk), a restore two (the parts
// it downloads ahead wait on disk, restore/spool.go), both outside the Go
// heap; transfers+1 parts, what a restore held before it spooled, is kept
// as the limit's room for what else is live, which is generous, not tight.
func PartMemory(partSize int64, transfers int) int64 {
	workers := (&Pusher{}).workers()
	return int64(max(workers, transfers+1)) * int64(maxSealedSize(int(partSize)))
}
