package main

import (
	"context"
	"fmt"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// remoteRecords lets push rebuild a lost state_dir from the records on the
// remote. That needs the identity; push otherwise never touches it, so it
// is loaded only when the records are actually missing, and a machine that
// only pushes (no identity) gets a warning and a new full chain instead of
// a failed backup.
func (a *app) remoteRecords(st *remote.Store) func(context.Context) (backup.RecordReader, error) {
	return func(ctx context.Context) (backup.RecordReader, error) {
		if !identityPresent(a.cfg.Identity) {
			return nil, fmt.Errorf("no identity file at %s (set identity to rebuild state_dir from the remote)", a.cfg.Identity)
		}
		ids, err := a.identities("")
		if err != nil {
			return nil, err
		}
		return &restore.Catalog{Store: st, Identities: ids}, nil
	}
}
