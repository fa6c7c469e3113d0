package backup

import (
	"context"

	"github.com/argo-backup/argo-backup/remote"
)

// Store is the remote as a push needs it. *remote.Store implements it; tests
// wrap it to inject faults at exact points of a push.
type Store interface {
	Put(ctx context.Context, name string, data []byte) error
	Stat(ctx context.Context, name string) (remote.Entry, error)
	List(ctx context.Context, dir string) ([]remote.Entry, error)
	Delete(ctx context.Context, name string) error
}
