package backup

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/remote"
)

// stallingStore holds every part upload until released, and counts the
// uploads waiting.
type stallingStore struct {
	Store
	release chan struct{}
	waiting chan string // one send per part upload that starts waiting
}

func (s *stallingStore) Put(ctx context.Context, name string, data []byte) error {
	if err := s.stall(ctx, name); err != nil {
		return err
	}
	return s.Store.Put(ctx, name, data)
}

func (s *stallingStore) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sum string) (remote.Checked, error) {
	if err := s.stall(ctx, name); err != nil {
		return remote.Checked{}, err
	}
	return s.Store.PutSHA256(ctx, name, src, size, sum)
}

func (s *stallingStore) stall(ctx context.Context, name string) error {
	if !strings.Contains(name, "part-") {
		return nil
	}
	s.waiting <- name
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// countingReader counts the bytes the pipeline has taken from the stream.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// A stalled remote stops the push from reading the send stream once its
// spool is full: sealed parts never pile up, in memory or on disk, however
// slow the upload, and memory holds one plaintext buffer per worker
// whatever transfers is.
func TestPipelineBlocksOnAStalledRemote(t *testing.T) {
	t.Parallel()
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	content := make([]byte, 24<<20)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rng := rand.NewChaCha8(key)
	_, _ = rng.Read(content)
	stream := encodeStream(content)

	ctx := context.Background()
	st, err := remote.Open(ctx, t.TempDir(), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const partSize, workers, transfers = 1 << 20, 2, 3
	stalled := &stallingStore{Store: st, release: make(chan struct{}), waiting: make(chan string, 64)}
	full := make(chan struct{}, 1)
	var staged *stages
	var bufferWaits atomic.Int64
	p := &Pusher{Host: "h", Store: stalled, Sealer: testSealer(t), State: State{Dir: t.TempDir()},
		PartSize: partSize, Workers: workers, Transfers: transfers}
	p.onStages = func(s *stages) {
		staged = s
		s.onFull = func() {
			select {
			case full <- struct{}{}:
			default:
			}
		}
		s.bufs.onFull = func() { bufferWaits.Add(1) }
	}
	in := &countingReader{r: bytes.NewReader(stream)}
	j := newJournal(p.State, p.Host, "data", "data.20260101T000000Z", "", false, p.PartSize, time.Now())
	done := make(chan error, 1)
	go func() {
		_, _, err := p.cutAndStore(ctx, in, Subvolume{Name: "data"}, j)
		done <- err
	}()

	// Wait until every upload slot holds a stalled part and the reader
	// waits for a spool slot.
	for range transfers {
		select {
		case <-stalled.waiting:
		case err := <-done:
			t.Fatalf("the push ended (%v) without stalling on the remote", err)
		}
	}
	<-full
	// One plaintext buffer per worker; transfers + workers parts between
	// read and uploaded, so on disk.
	const limit, spooled = workers, workers + transfers
	held := staged.bufs.snapshot()
	if held.Made > limit || held.MaxHeld > limit || bufferWaits.Load() > 0 {
		t.Errorf("buffers: %+v, the reader waited %d times; want at most %d, no wait", held, bufferWaits.Load(), limit)
	}
	// The reader takes a spool slot before it reads a part.
	if got, most := in.n.Load(), int64(spooled)*partSize; got > most {
		t.Errorf("read %d bytes of the stream while the remote stalled, want at most %d (%d parts spooled)", got, most, spooled)
	}
	if n := openSpoolFiles(t, p.State.spoolDir()); n > spooled {
		t.Errorf("%d spool files open while the remote stalled, want at most %d", n, spooled)
	}
	requireNoSpoolNames(t, p.State.spoolDir())
	if got := in.n.Load(); got >= int64(len(stream)) {
		t.Fatalf("the whole stream (%d bytes) was read while the remote stalled", got)
	}
	t.Logf("stalled with %d of %d stream bytes read, buffers %+v, %d spool files", in.n.Load(), len(stream), held, openSpoolFiles(t, p.State.spoolDir()))

	close(stalled.release)
	go func() {
		for range stalled.waiting {
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stalled.waiting)
	if n := len(j.Parts); n != (len(stream)+partSize-1)/partSize {
		t.Errorf("%d parts stored, want %d", n, (len(stream)+partSize-1)/partSize)
	}
	if got := staged.bufs.snapshot().Made; got > limit {
		t.Errorf("%d buffers made, want at most %d", got, limit)
	}
	requireNoSpoolFiles(t, p.State.spoolDir())
}

// The slot limits never deadlock: the fewest (one worker, one transfer:
// one buffer, two parts spooled) carry a stream of many parts, and so do
// many of each; every spool file is gone after.
func TestPushBuffersNeverDeadlock(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("argo-backup "), 700_000) // ~8 MiB
	stream := encodeStream(content)
	ctx := context.Background()
	for _, c := range []struct{ workers, transfers int }{{1, 1}, {2, 1}, {1, 4}, {4, 2}} {
		st, err := remote.Open(ctx, t.TempDir(), remote.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := &Pusher{Host: "h", Store: st, Sealer: testSealer(t), State: State{Dir: t.TempDir()},
			PartSize: 1 << 20, Workers: c.workers, Transfers: c.transfers}
		j := newJournal(p.State, p.Host, "data", "data.20260101T000000Z", "", false, p.PartSize, time.Now())
		if _, parts, err := p.cutAndStore(ctx, bytes.NewReader(stream), Subvolume{Name: "data"}, j); err != nil || len(parts) != 9 {
			t.Errorf("workers %d transfers %d: %d parts, %v", c.workers, c.transfers, len(parts), err)
		}
		requireNoSpoolFiles(t, p.State.spoolDir())
	}
}

func testSealer(t testing.TB) *crypto.Sealer {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s, err := crypto.NewSealer([]age.Recipient{id.Recipient()}, 3)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
