package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/internal/tmpfile"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/sendstream"
)

// errDamagedStream marks a send stream that failed validation: such a
// backup is never committed, and not resumed either.
var errDamagedStream = errors.New("the send stream is damaged")

// storeStream runs `btrfs send` and stores its stream as sealed parts,
// noting each stored part in the journal. Send, cut, seal and upload
// overlap: while part i is read from the send, earlier parts are sealed
// and uploaded; memory stays bounded by Workers * PartSize and the spool
// (sealed parts on disk) by (Workers+Transfers) * PartSize, whatever the
// stream size (stages.go).
func (p *Pusher) storeStream(ctx context.Context, sv Subvolume, j *pushJournal, snapshot string, o btrfs.SendOptions) (*streamSummary, []manifest.Part, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	stream, err := btrfs.StartSend(ctx, snapshot, o)
	if err != nil {
		return nil, nil, fmt.Errorf("btrfs send %s: %w", snapshot, err)
	}
	defer stream.Close()

	ix := p.startIndex(ctx, sv, j) // the file index, from the validator's commands
	defer ix.abandon()
	sum, parts, err := p.cutAndStoreIndexed(ctx, stream, sv, j, ix.onCommand())
	if err != nil {
		cancel(err)
		stream.Close() // btrfs is stopped; its error is the consequence of err
		return nil, nil, err
	}
	if err := stream.Close(); err != nil {
		return nil, nil, fmt.Errorf("btrfs send %s: %w", snapshot, err)
	}
	if err := p.finishIndex(ctx, sv, j, ix, sum); err != nil {
		return nil, nil, err
	}
	return sum, parts, nil
}

// cutAndStore reads the plaintext stream, validates it as it passes, cuts it
// into parts and hands each to a goroutine that seals and uploads it (or
// finds it already stored by an interrupted push). stages.go bounds how
// many parts are sealed and uploaded at once, and the memory they hold.
func (p *Pusher) cutAndStore(ctx context.Context, r io.Reader, sv Subvolume, j *pushJournal) (*streamSummary, []manifest.Part, error) {
	return p.cutAndStoreIndexed(ctx, r, sv, j, nil)
}

// cutAndStoreIndexed is cutAndStore handing every checked command to
// onCmd (if not nil) as the validator decodes it, in the read loop, while
// its part buffer is still the reader's.
func (p *Pusher) cutAndStoreIndexed(ctx context.Context, r io.Reader, sv Subvolume, j *pushJournal, onCmd func(*sendstream.Command)) (*streamSummary, []manifest.Part, error) {
	sp, err := openSpool(p.State.spoolDir())
	if err != nil {
		return nil, nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	st := newStages(p.workers(), p.transfers(), p.PartSize, sp)
	defer func() {
		p.log().Debug("push buffers", "stats", fmt.Sprintf("%+v", st.bufs.snapshot()))
		st.bufs.release()
	}()
	if p.onStages != nil {
		p.onStages(st)
	}
	validator := btrfs.NewValidator()
	if onCmd != nil {
		validator.OnCommand(onCmd)
	}
	whole := sha256.New()
	var (
		mu    sync.Mutex
		parts []manifest.Part
		total int64
	)
	for i := 0; ; i++ {
		job, err := st.start(gctx, i)
		if err != nil {
			return nil, nil, p.abort(g, err)
		}
		n, readErr := io.ReadFull(r, job.buf[:p.PartSize])
		if n == 0 {
			job.done()
		} else {
			job.plain = job.buf[:n]
			if _, err := validator.Write(job.plain); err != nil {
				job.done()
				return nil, nil, p.abort(g, fmt.Errorf("%w, nothing was committed: %w", errDamagedStream, err))
			}
			chunked.Write(whole, job.plain)
			total += int64(n)
			g.Go(func() error {
				defer job.done()
				part, err := p.storeOrReuse(gctx, remote.PartName(p.Host, sv.Name, j.Snapshot, job.index), job, j)
				if err != nil {
					return err
				}
				mu.Lock()
				parts = append(parts, part)
				mu.Unlock()
				return nil
			})
		}
		if readErr == io.EOF || readErr == io.ErrUnexpectedEOF {
			break
		}
		if readErr != nil {
			return nil, nil, p.abort(g, readErr)
		}
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	info, err := validator.Finish()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: it is incomplete, nothing was committed: %w", errDamagedStream, err)
	}
	sort.Slice(parts, func(a, b int) bool { return parts[a].Index < parts[b].Index })
	return &streamSummary{UUID: info.UUID, CTransID: info.CTransID, ParentUUID: info.ParentUUID,
		ParentCTransID: info.ParentCTransID, Version: info.Version, Bytes: total,
		SHA256: hex.EncodeToString(whole.Sum(nil))}, parts, nil
}

// abort waits for running workers and returns err (or theirs, if first).
func (p *Pusher) abort(g *errgroup.Group, err error) error {
	if werr := g.Wait(); werr != nil && !errors.Is(werr, context.Canceled) {
		return werr
	}
	return err
}

// storeOrReuse stores one part, unless an interrupted push already stored
// exactly this plaintext under this name: then the stored object is checked
// and reused.
func (p *Pusher) storeOrReuse(ctx context.Context, name string, job *partJob, j *pushJournal) (manifest.Part, error) {
	if err := ctx.Err(); err != nil {
		return manifest.Part{}, err // an earlier part failed: store nothing more
	}
	plain, index := job.plain, job.index
	sum := chunked.SHA256(plain)
	plainSum := hex.EncodeToString(sum[:])
	if old, ok := j.part(index); ok && old.PlainSHA256 == plainSum && old.PlainBytes == int64(len(plain)) {
		if p.stillStored(ctx, name, old) {
			p.log().Debug("part already stored", "object", name)
			p.progress().Add(old.PlainBytes)
			return old, nil
		}
	}
	storedSum, err := p.sealPart(job)
	if err != nil {
		return manifest.Part{}, err
	}
	// The upload slot is held until the part is journaled, or with more
	// than one transfer until it is uploaded (putChecked gives it back
	// before the read-back): with one transfer, a part is uploaded only
	// once every earlier one is stored and journaled, as the BeforePart
	// checkpoint promises.
	if err := job.uploadTurn(ctx); err != nil {
		return manifest.Part{}, err
	}
	defer job.uploaded()
	p.checkpoint(ctx, BeforePart, index)
	part, err := p.uploadPart(ctx, j, name, job, plainSum, int64(len(plain)), storedSum)
	if err != nil {
		return part, err
	}
	if err := j.stored(part); err != nil {
		return part, fmt.Errorf("journal: %w", err)
	}
	p.log().Debug("part stored", "object", name, "bytes", part.PlainBytes, "stored", part.StoredBytes)
	// Progress counts what is stored, not what was read: the read runs
	// ahead of the upload by every part buffer (5 x 32 MiB with the
	// defaults), which on a slow line showed "~99% ETA ~0s" for the whole
	// upload of a small incremental.
	p.progress().Add(part.PlainBytes)
	return part, nil
}

// stillStored reports whether the object holds the part: the size always,
// the sha256 where the remote knows it without a download.
func (p *Pusher) stillStored(ctx context.Context, name string, part manifest.Part) bool {
	e, err := p.Store.Stat(ctx, name)
	if err != nil || e.Size != part.StoredBytes {
		return false
	}
	return e.SHA256 == "" || e.SHA256 == part.StoredSHA256
}

// maxSealedSize bounds a sealed part: zstd adds at most a few bytes per
// 128 KiB block to incompressible data, age 16 bytes per 64 KiB chunk and a
// header. The memory limit (PartMemory) and the spool's disk use are
// sized by it.
func maxSealedSize(plain int) int {
	return plain + plain/256 + 64<<10
}

// sealPart seals the job's part into a spool file (spool.go), hashing the
// sealed bytes as they are written, then gives back the plaintext buffer
// and the seal slot. It returns the sealed part's sha256. A spool without
// room (state_dir full) takes nothing from the backup: the part is sealed
// again into memory.
func (p *Pusher) sealPart(job *partJob) (string, error) {
	sum, err := p.sealInto(job, job.st.spool.create)
	if tmpfile.NoRoom(err) {
		job.st.spool.full.Do(func() {
			p.log().Warn("no room for sealed parts in state_dir: holding them in memory", "dir", job.st.spool.dir, "err", err)
		})
		if job.out != nil {
			job.out.close()
		}
		sum, err = p.sealInto(job, func() (*os.File, error) { return nil, nil })
	}
	if err != nil {
		return "", fmt.Errorf("seal part %d into %s: %w", job.index, job.st.spool.dir, err)
	}
	job.sealed()
	return sum, nil
}

// sealInto seals the job's part into the file create makes, or into
// memory if it makes none.
func (p *Pusher) sealInto(job *partJob, create func() (*os.File, error)) (string, error) {
	f, err := create()
	if err != nil {
		return "", err
	}
	job.out = &sealedPart{f: f}
	var w io.Writer = f
	if f == nil {
		job.out.mem = make([]byte, 0, maxSealedSize(len(job.plain)))
		w = job.out
	}
	sum := &hashCounter{h: sha256.New()}
	if err := p.Sealer.Seal(io.MultiWriter(w, sum), job.plain); err != nil {
		return "", err
	}
	job.out.size = sum.n
	return hex.EncodeToString(sum.h.Sum(nil)), nil
}

// uploadPart uploads one sealed part. The remote checks size and hash
// after the upload and retries from the spool file (remote.Store.Put);
// then the part is read back against what was sealed (putChecked).
func (p *Pusher) uploadPart(ctx context.Context, j *pushJournal, name string, job *partJob, plainSum string, plainBytes int64, storedSum string) (manifest.Part, error) {
	sealed := job.out
	md5sum, err := p.putChecked(ctx, name, sealed, storedSum, job)
	if err != nil {
		return manifest.Part{}, err
	}
	j.noteReadBack(job.index, md5sum)
	return manifest.Part{
		Index:        job.index,
		PlainBytes:   plainBytes,
		PlainSHA256:  plainSum,
		StoredBytes:  sealed.Size(),
		StoredSHA256: storedSum,
	}, nil
}
