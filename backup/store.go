package backup

import (
	"context"
	"io"
	"time"

	"github.com/argo-backup/argo-backup/remote"
)

// Store is everything a push and a prune need of a remote: the whole
// contract, so that a change to a method's signature in remote breaks the
// build instead of silently switching a capability off. *remote.Store is
// the one users run; internal/testing/memstore is the one unit tests run.
type Store interface {
	// Put stores data as name, replacing any object of that name, and
	// checks what the remote then holds.
	Put(ctx context.Context, name string, data []byte) error
	// PutSHA256 is Put for the size bytes of src, whose sha256 the
	// caller has computed anyway (a part's stored_sha256), so that it is
	// not hashed twice; src is a sealed part's spool file (spool.go), read
	// again from its start for every attempt. It says which hash of the
	// remote's copy it checked against src, if any: the read-back
	// (readback.go) downloads only what it could not.
	PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error)
	// Open streams one object back: the read-back check of a part whose
	// remote lists no hash (readback.go).
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// OpenRange streams n bytes of one object from byte off: the read-back
	// reads a part in several ranges at once.
	OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error)
	// Stat describes one object; a missing one is remote.ErrNotFound.
	Stat(ctx context.Context, name string) (remote.Entry, error)
	// List lists every object under dir, recursively.
	List(ctx context.Context, dir string) ([]remote.Entry, error)
	// Delete removes one object.
	Delete(ctx context.Context, name string) error
	// RemoveEmptyDir removes dir if the remote has directories and dir
	// is empty; anything else is not an error.
	RemoveEmptyDir(ctx context.Context, dir string) error
	// Acquire takes the fleet lock of host's subvol (see remote.Lease):
	// another run holding it is a *remote.LockedError.
	Acquire(ctx context.Context, host, subvol, holder string, stale time.Duration) (remote.Lease, error)
}

var _ Store = (*remote.Store)(nil)
