// Package manifest is the chain model of argo-backup: the records that
// describe stored backups, the parent links between them, the resolution of a
// restore chain, the choice of the next backup's parent and retention
// planning.
//
// A record is the commit point of a backup. The parts of a send stream are
// uploaded first and the record is written last, so a backup without a record
// does not exist: its parts are garbage to resume or clean up. Everything in
// this package therefore reasons about records only, never about parts.
//
// An incremental backup is a `btrfs send -p parent` stream and can only be
// received on top of its parent, which needs its own parent, and so on back to
// a full backup. That list, oldest first, is a chain; Chain resolves it and
// refuses a chain with a missing link before anything is downloaded.
//
// The next backup may only be built on a snapshot that is both committed on
// the remote (or restore could never reach it) and still present on the local
// disk (or btrfs send has nothing to diff against). ChooseParent enforces both
// and falls back to a full backup, with a reason a user can read, whenever no
// such parent exists. Retention planning (PlanRetention, PlanLocal) keeps
// every ancestor of every kept backup, so pruning never breaks a chain.
//
// The package does no I/O: callers pass records, local snapshot names and the
// current time in, and act on the decisions that come back.
package manifest
