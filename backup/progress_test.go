package backup

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/remote"
)

// heldUploads holds every part upload until release is closed, and says on
// waiting when one starts waiting: a line so slow that nothing gets through.
type heldUploads struct {
	Store
	release chan struct{}
	waiting chan string
}

func (h *heldUploads) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sum string) (remote.Checked, error) {
	if err := h.hold(ctx, name); err != nil {
		return remote.Checked{}, err
	}
	return h.Store.PutSHA256(ctx, name, src, size, sum)
}

func (h *heldUploads) Put(ctx context.Context, name string, data []byte) error {
	if err := h.hold(ctx, name); err != nil {
		return err
	}
	return h.Store.Put(ctx, name, data)
}

func (h *heldUploads) hold(ctx context.Context, name string) error {
	if !strings.Contains(name, "part-") {
		return nil
	}
	h.waiting <- name
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// progressTally records what a push reports to the progress bar.
type progressTally struct {
	mu       sync.Mutex
	added    atomic.Int64
	finished bool
}

func (p *progressTally) Start(string, int64) {}
func (p *progressTally) Add(n int64)         { p.added.Add(n) }
func (p *progressTally) Finish()             { p.mu.Lock(); p.finished = true; p.mu.Unlock() }

// The progress bar of a push counts what is stored on the remote, not what
// was read from btrfs send: the read runs ahead of the upload by every part
// buffer, and on a slow line (trial14, 1 MiB/s) the bar sat at "~99% ETA
// ~0s" for the whole upload of a small incremental.
func TestPushProgressCountsStoredBytes(t *testing.T) {
	btrfstest.NoLeftovers(t)
	mnt := btrfstest.NewFS(t, 1<<30, "")
	src := btrfstest.Subvolume(t, mnt, "@home")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	data := make([]byte, 3<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(filepath.Join(src, "file"), data, 0o644); err != nil {
		t.Fatal(err)
	}

	id, sealer := cryptotest.Keys(t)
	const transfers = 2
	held := &heldUploads{Store: memstore.New(), release: make(chan struct{}), waiting: make(chan string, 64)}
	tally := &progressTally{}
	p := &Pusher{Host: "desk", ToolVersion: "test", Store: held, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		State: State{Dir: t.TempDir()}, PartSize: 256 << 10, Workers: 1, Transfers: transfers, Progress: tally,
		Now: func() time.Time { return t0 }}
	sv := Subvolume{Name: "home", Path: src, SnapshotDir: filepath.Join(mnt, "snapshots"), KeepLocal: 10}

	type result struct {
		bytes int64
		err   error
	}
	done := make(chan result, 1)
	go func() {
		rec, err := p.Push(t.Context(), sv, false)
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{bytes: rec.PlainBytes}
	}()
	for range transfers { // every upload slot holds a part: the stream was read ahead
		select {
		case <-held.waiting:
		case r := <-done:
			t.Fatalf("the push ended (%v) without waiting on the remote", r.err)
		}
	}
	if got := tally.added.Load(); got != 0 {
		t.Errorf("progress shows %d bytes while nothing is stored yet, want 0", got)
	}
	close(held.release)
	go func() {
		for range held.waiting {
		}
	}()
	r := <-done
	close(held.waiting)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := tally.added.Load(); got != r.bytes {
		t.Errorf("progress shows %d bytes at the end, want the stream's %d", got, r.bytes)
	}
	if !tally.finished {
		t.Error("the progress bar was never finished")
	}
}
