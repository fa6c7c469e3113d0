package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// indexer builds a backup's file index from the plaintext stream as push
// reads it (an io.Writer behind a TeeReader): a second parse of the same
// bytes, in its own goroutine. It never fails the push while the stream
// passes; a backup whose index cannot be built is committed without one
// (index --rebuild makes it later).
type indexer struct {
	pw     *io.PipeWriter
	done   chan struct{}
	ix     *index.Index
	err    error
	broken bool
}

// startIndex starts the indexer of j's backup, on the tree of its parent
// as this host's state_dir keeps it. Without that tree it returns an
// indexer that only says why.
func (p *Pusher) startIndex(sv Subvolume, j *pushJournal) *indexer {
	x := &indexer{done: make(chan struct{})}
	parent, err := p.localTree(sv.Name, j.Parent)
	if err != nil {
		x.err, x.broken = err, true
		close(x.done)
		return x
	}
	pr, pw := io.Pipe()
	x.pw = pw
	go func() {
		defer close(x.done)
		x.ix, x.err = index.Build(pr, sv.Name, j.Snapshot, parent)
		pr.CloseWithError(fmt.Errorf("index stopped: %v", x.err))
	}()
	return x
}

// Write hands stream bytes to the index builder; its failure only marks
// the index broken.
func (x *indexer) Write(b []byte) (int, error) {
	if !x.broken {
		if _, err := x.pw.Write(b); err != nil {
			x.broken = true
		}
	}
	return len(b), nil
}

// abandon stops the builder of a push that failed (a no-op after finish).
func (x *indexer) abandon() {
	if x.pw != nil {
		x.pw.CloseWithError(fmt.Errorf("the push stopped"))
		<-x.done
	}
}

// finishIndex waits for the index, stores it before the record, keeps a
// plain copy in state_dir (the parent tree of the next push) and notes it
// in the journal. Only storing can fail the push.
func (p *Pusher) finishIndex(ctx context.Context, sv Subvolume, j *pushJournal, x *indexer, streamSHA256 string) error {
	if x.pw != nil {
		x.pw.Close()
	}
	<-x.done
	x.pw = nil
	if x.err != nil {
		p.log().Warn("this backup gets no file index (ls, find, cat need one): run argo-backup index --rebuild later",
			"snapshot", j.Snapshot, "why", x.err)
		return nil
	}
	x.ix.Head.StreamSHA256 = streamSHA256
	ref, err := p.StoreIndex(ctx, x.ix)
	if err != nil {
		return err
	}
	p.log().Debug("file index stored", "snapshot", j.Snapshot, "inodes", len(x.ix.Nodes), "stored_bytes", ref.StoredBytes)
	j.mu.Lock()
	j.Index = ref
	j.mu.Unlock()
	return nil
}

// StoreIndex signs, seals and uploads a backup's index object (read back
// as a part is), and keeps the plain index in state_dir, where the next
// push builds on it. Push calls it before the record; index --rebuild for
// backups committed without one.
func (p *Pusher) StoreIndex(ctx context.Context, ix *index.Index) (*manifest.IndexRef, error) {
	var buf bytes.Buffer
	if err := ix.Encode(&buf); err != nil {
		return nil, err
	}
	plain, subvol, snapshot := buf.Bytes(), ix.Head.Subvol, ix.Head.Snapshot
	ref, err := p.uploadIndex(ctx, subvol, snapshot, plain)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(p.localIndexPath(subvol, snapshot), plain); err != nil {
		return nil, fmt.Errorf("keep file index of %s in state_dir: %w", snapshot, err)
	}
	return ref, nil
}

func (p *Pusher) uploadIndex(ctx context.Context, subvol, snapshot string, plain []byte) (*manifest.IndexRef, error) {
	object, err := p.signIndex(plain)
	if err != nil {
		return nil, err
	}
	var sealed bytes.Buffer
	sealed.Grow(maxSealedSize(len(object)))
	if err := p.Sealer.Seal(&sealed, object); err != nil {
		return nil, fmt.Errorf("seal file index of %s: %w", snapshot, err)
	}
	plainSum, storedSum := sha256.Sum256(object), sha256.Sum256(sealed.Bytes())
	name := remote.IndexName(p.Host, subvol, snapshot)
	if _, err := p.putChecked(ctx, name, sealed.Bytes(), hex.EncodeToString(storedSum[:])); err != nil {
		return nil, err
	}
	return &manifest.IndexRef{PlainBytes: int64(len(object)), PlainSHA256: hex.EncodeToString(plainSum[:]),
		StoredBytes: int64(sealed.Len()), StoredSHA256: hex.EncodeToString(storedSum[:])}, nil
}

func (p *Pusher) localIndexPath(subvol, snapshot string) string {
	return p.State.IndexPath(p.Host, subvol, snapshot)
}

// localTree returns the tree of backup snapshot from the indexes state_dir
// keeps of its chain (nil for "", a full backup's parent).
func (p *Pusher) localTree(subvol, snapshot string) (*index.Tree, error) {
	if snapshot == "" {
		return nil, nil
	}
	var chain []*index.Index
	for name := snapshot; name != ""; name = chain[len(chain)-1].Head.Parent {
		if len(chain) > 100000 {
			return nil, fmt.Errorf("the local indexes of %s loop", snapshot)
		}
		f, err := os.Open(p.localIndexPath(subvol, name))
		if err != nil {
			return nil, fmt.Errorf("the parent's chain has no local index: %w", err)
		}
		ix, err := index.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("local index of %s: %w", name, err)
		}
		chain = append(chain, ix)
	}
	t := index.NewTree()
	for i := len(chain) - 1; i >= 0; i-- {
		if err := t.Apply(chain[i]); err != nil {
			return nil, err
		}
	}
	return t, nil
}
