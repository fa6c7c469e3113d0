package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/argo-backup/argo-backup/manifest"
)

// The pruning/ folder beside a subvolume's record copies is prune's
// journal. A backup prune is deleting has its record copy moved there
// before anything is deleted on the remote, and removed only when nothing
// of the backup is left there. A prune killed at any step so leaves a state
// the next commands read correctly:
//
//   - push, status and verify no longer count the backup among this host's
//     backups, so a record or parts gone from the remote are not "lost",
//     and push never takes it as a parent;
//   - the next prune finishes deleting it, whatever retention says now
//     (its record may be gone already: there is no way back).

func (s State) pruningDir(host, subvol string) string {
	return filepath.Join(s.recordDir(host, subvol), "pruning")
}

func (s State) pruningPath(r *manifest.Record) string {
	return filepath.Join(s.pruningDir(r.Host, r.Subvolume), r.Snapshot+".json")
}

// MarkPruning moves r's record copy into pruning/: the first step of
// deleting its backup. A copy already there is left as it is.
func (s State) MarkPruning(r *manifest.Record) error {
	to := s.pruningPath(r)
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return fmt.Errorf("marking %s as being pruned: %w", r.Snapshot, err)
	}
	from := filepath.Join(s.recordDir(r.Host, r.Subvolume), r.Snapshot+".json")
	err := os.Rename(from, to)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(to); serr == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("marking %s as being pruned: %w", r.Snapshot, err)
	}
	return syncDir(filepath.Dir(to), filepath.Dir(from))
}

// UnmarkPruning moves r's record copy back: prune could not start deleting
// it (the remote refused to delete its record), so it is still a backup.
func (s State) UnmarkPruning(r *manifest.Record) error {
	to := filepath.Join(s.recordDir(r.Host, r.Subvolume), r.Snapshot+".json")
	if err := os.Rename(s.pruningPath(r), to); err != nil {
		return fmt.Errorf("restoring the record copy of %s: %w", r.Snapshot, err)
	}
	return syncDir(filepath.Dir(to), s.pruningDir(r.Host, r.Subvolume))
}

// Pruning returns the records of the backups an interrupted prune was
// deleting, oldest first.
func (s State) Pruning(host, subvol string) ([]*manifest.Record, error) {
	return readRecords(s.pruningDir(host, subvol))
}

// syncDir makes renames in dirs durable: a journal step that a power cut
// could undo is no step.
func syncDir(dirs ...string) error {
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return nil
}
