package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FormatVersion is the remote layout this package reads and writes
// (docs/formats.md, "Layout").
const FormatVersion = 1

// MarkerName is the plaintext object that makes a directory an argo-backup
// repository.
const MarkerName = "argo-backup.json"

// ErrNoRepository is matched (errors.Is) when the remote path holds no
// argo-backup repository: no format marker, or for a local directory
// opened with MustExist, no directory. Commands that only read report it
// as a mistake in the config (a mistyped path), not a failed job.
var ErrNoRepository = errors.New("no argo-backup repository")

type marker struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
}

// EnsureFormat checks that the store is an argo-backup repository this
// version understands. With create, a store without a marker becomes one
// (push does this); without, it is an error (restore, list), since a
// mistyped remote path would otherwise look like an empty repository.
func (s *Store) EnsureFormat(ctx context.Context, create bool) error {
	data, err := s.ReadAll(ctx, MarkerName)
	switch {
	case errors.Is(err, ErrNotFound) && create:
		return s.writeMarker(ctx)
	case errors.Is(err, ErrNotFound):
		host, err := s.backupsWithoutMarker(ctx)
		if err != nil {
			return fmt.Errorf("no format marker at %s, and its folders could not be listed: %w", s, err)
		}
		if host != "" {
			s.opt.Log.Warn("the format marker is missing (deleted?): reading the backups anyway; the next push writes it again",
				"remote", s.String(), "marker", MarkerName, "found", host)
			return nil
		}
		return fmt.Errorf("%w at %s: push once to create it (or check the remote path)", ErrNoRepository, s)
	case err != nil:
		return err
	}
	return checkMarker(s.String(), data)
}

// backupsWithoutMarker returns the first host folder that holds a backup
// in the layout (<host>/<subvol>/<snapshot>/record.json.age), or "". A
// marker deleted on the remote, by mistake or by an attacker, must not
// stand between a user and backups that are there: the marker only tells
// a mistyped remote path from an empty repository, and a path that holds
// records is not mistyped. Trust comes from the records' signatures, not
// from the marker. A folder it cannot list is passed over, but a root it
// cannot list is an error: that remote is not known to be empty.
func (s *Store) backupsWithoutMarker(ctx context.Context) (string, error) {
	hosts, err := s.Dirs(ctx, "")
	if err != nil {
		return "", err // a remote that cannot be listed is not an empty one
	}
	for _, host := range hosts {
		subvols, err := s.Dirs(ctx, host)
		if err != nil {
			continue
		}
		for _, sv := range subvols {
			snaps, err := s.Dirs(ctx, host+"/"+sv)
			if err != nil || len(snaps) == 0 {
				continue
			}
			for _, snap := range []string{snaps[len(snaps)-1], snaps[0]} { // the newest may be unfinished
				if _, err := s.newObject(ctx, RecordName(host, sv, snap)); err == nil {
					return host, nil
				}
			}
		}
	}
	return "", nil
}

// checkMarker parses the marker's bytes, which come from the remote and so
// may be anything: only a format this version reads is accepted.
func checkMarker(remote string, data []byte) error {
	var m marker
	if err := json.Unmarshal(data, &m); err != nil || m.Format < 1 {
		return fmt.Errorf("%s/%s is not an argo-backup format marker: remove it or use another remote path", remote, MarkerName)
	}
	if m.Format > FormatVersion {
		return fmt.Errorf("the repository at %s has format %d, newer than this argo-backup understands (%d): upgrade argo-backup", remote, m.Format, FormatVersion)
	}
	return nil
}

func (s *Store) writeMarker(ctx context.Context) error {
	data, err := json.Marshal(marker{Format: FormatVersion, Created: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	return s.Put(ctx, MarkerName, append(data, '\n'))
}
