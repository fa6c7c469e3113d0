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
// (O_EXCL, which NFS v3 and later honour too). There a claim is settled the
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, iofs.ErrExist) {
		return true, errLockTaken
	}
	if err != nil {
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return true, fmt.Errorf("writing lock %s: %w", name, err)
	}
	return true, nil
}
