package restore

import (
	"context"
	"io"

	"github.com/argo-backup/argo-backup/remote"
)

// Store is everything restore and verify need of a remote: they only read.
// *remote.Store is the one users run; internal/testing/memstore is the one
// unit tests run.
type Store interface {
	// List lists every object under dir, recursively.
	List(ctx context.Context, dir string) ([]remote.Entry, error)
	// Open streams one object; a missing one is remote.ErrNotFound.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Dirs lists the directory names directly under dir, without
	// descending: the hosts at the top level of a remote.
	Dirs(ctx context.Context, dir string) ([]string, error)
	// ReadAll reads one small object (a record) whole.
	ReadAll(ctx context.Context, name string) ([]byte, error)
}

var _ Store = (*remote.Store)(nil)
