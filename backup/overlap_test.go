package backup

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// gatedStore holds the upload of one object until another object's upload
// has started: a push that did the two one after the other would wait for
// ever.
type gatedStore struct {
	*memstore.Store
	hold, until string // object names, matched by suffix
	started     chan struct{}
	once        atomic.Bool
}

func (s *gatedStore) PutSHA256(ctx context.Context, name string, data []byte, sum string) (remote.Checked, error) {
	if strings.HasSuffix(name, s.until) && s.once.CompareAndSwap(false, true) {
		close(s.started)
	}
	if strings.HasSuffix(name, s.hold) {
		select {
		case <-s.started:
		case <-ctx.Done():
			return remote.Checked{}, context.Cause(ctx)
		}
	}
	return s.Store.PutSHA256(ctx, name, data, sum)
}

// Once the whole stream is read, the file index is stored while parts are
// still uploading: the last part's upload here waits for the index's.
func TestIndexIsStoredWhileTheLastPartUploads(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pl := newPipeline(t, 2)
	last := remote.PartName("desk", home.Name, testSnapshot, pl.parts()-1)
	st := &gatedStore{Store: pl.store, hold: last, until: remote.IndexName("desk", home.Name, testSnapshot), started: make(chan struct{})}
	pl.p.Store = st
	j := pl.journal()
	ix := pl.p.startIndex(ctx, home, j)
	defer ix.abandon()
	_, parts, err := pl.p.cutAndStoreIndexed(ctx, bytes.NewReader(pl.stream), home, j, ix)
	if err != nil {
		t.Fatal(err)
	}
	pl.requireStoredWithIndex(parts)
	if j.Index == nil {
		t.Fatal("the push noted no index in its journal")
	}
}

// requireStoredWithIndex is requireStored for a push that also stored the
// file index beside the parts.
func (pl *pipeline) requireStoredWithIndex(parts []manifest.Part) {
	pl.t.Helper()
	index := remote.IndexName("desk", home.Name, testSnapshot)
	if _, err := pl.store.Stat(context.Background(), index); err != nil {
		pl.t.Fatalf("no index object: %v", err)
	}
	if err := pl.store.Delete(context.Background(), index); err != nil {
		pl.t.Fatal(err)
	}
	pl.requireStored(parts)
}

// signalReader closes reached once n bytes have been read through it.
type signalReader struct {
	r       io.Reader
	n       int64
	read    atomic.Int64
	reached chan struct{}
}

func (s *signalReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if before := s.read.Add(int64(n)) - int64(n); before < s.n && before+int64(n) >= s.n {
		close(s.reached)
	}
	return n, err
}

// While every upload slot holds a stalled part and one buffer is free, the
// next part is read (and checked) into it; only its sealing waits for an
// upload to end. Taking both buffers before reading, the reader would not
// read it until an upload ended, which here is never before it does.
func TestNextPartIsReadWhileEveryUploadSlotIsBusy(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	content := make([]byte, 6<<20)
	for i := range content {
		content[i] = byte(i * 7 / 5)
	}
	stream := encodeStream(content)
	const partSize, workers, transfers = 1 << 20, 1, 2 // max(2*1+1, 2+1) = 3 buffers
	in := &signalReader{r: bytes.NewReader(stream), n: (transfers + 1) * partSize, reached: make(chan struct{})}
	st, err := remote.Open(ctx, t.TempDir(), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stalled := &stallingStore{Store: st, release: make(chan struct{}), waiting: make(chan string, 64)}
	p := &Pusher{Host: "h", Store: stalled, Sealer: testSealer(t), State: State{Dir: t.TempDir()},
		PartSize: partSize, Workers: workers, Transfers: transfers}
	j := newJournal(p.State, p.Host, "data", "data.20260101T000000Z", "", false, p.PartSize, time.Now())
	done := make(chan error, 1)
	go func() {
		_, _, err := p.cutAndStore(ctx, in, Subvolume{Name: "data"}, j)
		done <- err
	}()
	for range transfers {
		select {
		case <-stalled.waiting:
		case err := <-done:
			t.Fatalf("the push ended (%v) without stalling on the remote", err)
		}
	}
	select {
	case <-in.reached:
	case <-ctx.Done():
		t.Fatalf("with %d uploads stalled the reader read %d bytes, want %d: it waited for a second buffer before reading", transfers, in.read.Load(), in.n)
	}
	close(stalled.release)
	go func() {
		for range stalled.waiting {
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	close(stalled.waiting)
}
