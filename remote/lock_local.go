package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
)

// errLockTaken says an exclusive claim found a lock made since we looked.
var errLockTaken = errors.New("lock created by another run meanwhile")

// claimExclusive creates the lock object name holding l only if there is
// none, where the remote can do that atomically: a local directory
// (link(2) of a complete temporary file, which fails if the name exists, on NFS too). There a claim is settled the
// moment it is written, and a push need not wait lockSettle before it may
// commit. supported is false on other remotes: there two runs that both
// found no lock both write one, and the claim settles by waiting.
func (s *Store) claimExclusive(name string, l lockFile) (supported bool, err error) {
	if s.backend != "local" {
		return false, nil
	}
	data, err := json.Marshal(l)
	if err != nil {
		return true, err
	}
	path := filepath.Join(s.f.Root(), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	// The lock appears whole or not at all: written to a temporary file,
	// then linked into place, which fails if a lock is there already
	// (O_EXCL then write would let a racing run read it empty).
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lock-claim-*")
	if err != nil {
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o600)
	}
	if err != nil {
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, iofs.ErrExist) {
		return true, errLockTaken
	}
	if err != nil {
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	return true, nil
}
