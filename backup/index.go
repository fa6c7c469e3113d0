package backup

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// indexer builds a backup's file index from the commands push's Validator
// decodes as it checks the stream (see feed): the stream is parsed once,
// and the builder runs in its own goroutine. It never fails the push while
// the stream passes; a backup whose index cannot be built is committed
// without one (index --rebuild makes it later). Its memory is bounded
// whatever the tree's size: the Builder spills to state_dir, and the
// parent's tree is read from state_dir's index files one record at a time.
type indexer struct {
	feed   *feed // nil when there is no index to build
	done   chan struct{}
	b      *index.Builder
	parent *index.Chain
	err    error
}

// startIndex starts the indexer of j's backup, on the tree of its parent
// as this host's state_dir keeps it (copies missing there are fetched
// from the remote first). Without that tree it returns an indexer that
// only says why.
func (p *Pusher) startIndex(ctx context.Context, sv Subvolume, j *pushJournal) *indexer {
	x := &indexer{done: make(chan struct{})}
	if p.SkipIndex {
		close(x.done)
		return x
	}
	dir := filepath.Dir(p.localIndexPath(sv.Name, j.Snapshot))
	err := os.MkdirAll(dir, 0o700)
	removeSpills(dir)
	if err == nil && j.Parent != "" {
		err = p.fetchChainIndexes(ctx, sv, j.Parent)
	}
	if err == nil && j.Parent != "" {
		x.parent, err = index.OpenChain(j.Parent, func(name string) string { return p.localIndexPath(sv.Name, name) })
	}
	if err != nil {
		x.err = fmt.Errorf("the parent's chain has no local index: %w", err)
		close(x.done)
		return x
	}
	var parent index.Parent
	if x.parent != nil {
		parent = x.parent
	}
	x.b = index.NewBuilderOn(sv.Name, j.Snapshot, parent, dir)
	f, b := newFeed(), x.b
	x.feed = f // wait sets x.feed to nil: the goroutine keeps its own
	go func() {
		defer close(x.done)
		x.err = f.drain(b.Add)
	}()
	return x
}

// onCommand is the Validator's hook (nil without an index to build): it
// copies each checked command for the builder.
func (x *indexer) onCommand() func(*sendstream.Command) {
	if x.feed == nil {
		return nil
	}
	return x.feed.add
}

// wait ends the feed (a no-op the second time) and waits for the builder.
func (x *indexer) wait() {
	if x.feed != nil {
		x.feed.close()
		x.feed = nil
	}
	<-x.done
}

// abandon stops the builder of a push that failed (a no-op after finish)
// and removes its spill file.
func (x *indexer) abandon() {
	if x.feed != nil {
		x.feed.off.Store(true) // the builder skips what is left
	}
	x.wait()
	x.close()
}

func (x *indexer) close() {
	if x.b != nil {
		x.b.Close()
		x.b = nil
	}
	if x.parent != nil {
		x.parent.Close()
		x.parent = nil
	}
}

// finishIndex waits for the index, stores it before the record, keeps a
// plain copy in state_dir (the parent tree of the next push) and notes it
// in the journal. Only storing can fail the push.
func (p *Pusher) finishIndex(ctx context.Context, sv Subvolume, j *pushJournal, x *indexer, sum *streamSummary) error {
	x.wait()
	defer x.close()
	if x.b == nil && x.err == nil {
		return nil // SkipIndex
	}
	if x.err != nil {
		p.warnNoIndex(sv, j.Snapshot, x.err)
		return nil
	}
	var head index.Header
	ref, err := p.storeIndex(ctx, sv.Name, j.Snapshot, j.Parent, func(w io.Writer) (err error) {
		head, err = x.b.Finish(w, sum.Version, sum.SHA256)
		return err
	})
	if err != nil {
		return err
	}
	p.log().Debug("file index stored", "snapshot", j.Snapshot, "inodes", head.Nodes, "stored_bytes", ref.StoredBytes)
	j.mu.Lock()
	j.Index = ref
	j.mu.Unlock()
	return nil
}

// StoreIndex signs, seals and uploads a backup's index object (read back
// as a part is), and keeps the plain index in state_dir, where the next
// push builds on it: index --rebuild, for backups committed without one.
func (p *Pusher) StoreIndex(ctx context.Context, ix *index.Index) (*manifest.IndexRef, error) {
	return p.storeIndex(ctx, ix.Head.Subvol, ix.Head.Snapshot, ix.Head.Parent, ix.Encode)
}

func (p *Pusher) localIndexPath(subvol, snapshot string) string {
	return p.State.IndexPath(p.Host, subvol, snapshot)
}

// removeSpills removes the spill files a killed push left in dir (a push
// holds its subvolume's lock, so no other push is using one).
func removeSpills(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, index.SpillPattern))
	for _, f := range old {
		os.Remove(f)
	}
}
