package restore

import (
	"fmt"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// inputErrorf reports a mistake in what the user asked for (a target that
// is not on btrfs, an unknown snapshot, a subvolume that already exists): an
// errs.UserError, exit status 2.
func inputErrorf(format string, args ...any) error { return errs.Userf(format, args...) }

// PartError names the snapshot and the object that failed, so that a user
// (or verify's report) knows exactly what is damaged.
type PartError struct {
	Snapshot string
	Object   string
	Err      error
}

func (e *PartError) Error() string {
	return fmt.Sprintf("snapshot %s, %s: %v", e.Snapshot, e.Object, e.Err)
}
func (e *PartError) Unwrap() error { return e.Err }
