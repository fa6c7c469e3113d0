package backup

import "github.com/argo-backup/argo-backup/internal/errs"

// inputErrorf reports a mistake in what the user asked for (a path that is
// not a btrfs subvolume, say): an errs.UserError, exit status 2.
func inputErrorf(format string, args ...any) error { return errs.Userf(format, args...) }
