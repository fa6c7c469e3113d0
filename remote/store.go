package remote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// ErrNotFound is matched (errors.Is) by every error about a missing object
// or directory, whatever the backend calls it.
var ErrNotFound = errors.New("not found on remote")

// Entry describes one stored object.
type Entry struct {
	Name    string // relative to the store root, '/'-separated
	Size    int64
	ModTime time.Time
	// SHA256 and MD5 are lower-case hex, or "" when the backend does not
	// keep that hash or would have to read the whole object to compute it.
	SHA256, MD5 string
}

// Store is a directory on a remote holding argo-backup objects. It is safe
// for concurrent use.
type Store struct {
	f       fs.Fs
	display string
	backend string // rclone backend type, e.g. "drive"
	opt     Options
	clock   func() time.Time // lock times; nil: time.Now (tests set it)
}

func (s *Store) now() time.Time {
	if s.clock != nil {
		return s.clock().UTC()
	}
	return time.Now().UTC()
}

func newStore(f fs.Fs, display, backend string, o Options) *Store {
	return &Store{f: f, display: display, backend: backend, opt: o.withDefaults()}
}

// String names the remote for messages, without secrets.
func (s *Store) String() string { return s.display }

// Stat describes the object name.
func (s *Store) Stat(ctx context.Context, name string) (Entry, error) {
	o, err := s.newObject(ctx, name)
	if err != nil {
		return Entry{}, s.wrap("looking up", name, err)
	}
	return s.entry(ctx, o), nil
}

// Delete removes the object name for good (see Open about Drive's trash).
func (s *Store) Delete(ctx context.Context, name string) error {
	o, err := s.newObject(ctx, name)
	if err != nil {
		return s.wrap("deleting", name, err)
	}
	if err := o.Remove(ctx); err != nil {
		return s.wrap("deleting", name, err)
	}
	return nil
}

func (s *Store) entry(ctx context.Context, o fs.Object) Entry {
	e := Entry{Name: o.Remote(), Size: o.Size(), ModTime: o.ModTime(ctx)}
	if s.hashesAreCheap() {
		e.SHA256 = s.remoteHash(ctx, o, hash.SHA256)
		e.MD5 = s.remoteHash(ctx, o, hash.MD5)
	}
	return e
}

// hashesAreCheap is false for backends that compute a hash by reading the
// whole object (local reads the file, sftp runs md5sum on the server):
// listing a repository must not read every part.
func (s *Store) hashesAreCheap() bool {
	return s.backend != "local" && s.backend != "sftp"
}

// remoteHash is the hash t as the backend reports it, or "" if it has none.
func (s *Store) remoteHash(ctx context.Context, o fs.Object, t hash.Type) string {
	if !s.f.Hashes().Contains(t) {
		return ""
	}
	h, err := o.Hash(ctx, t)
	if err != nil {
		return ""
	}
	return h
}

// wrap says what was being done to which object, and makes rclone's
// not-found errors match ErrNotFound.
func (s *Store) wrap(doing, name string, err error) error {
	if errors.Is(err, fs.ErrorObjectNotFound) || errors.Is(err, fs.ErrorDirNotFound) {
		err = notFound{err}
	}
	return fmt.Errorf("%s %s on %s: %w", doing, name, s, explainStall(err, s.opt.StallTimeout))
}

// notFound keeps rclone's message and adds ErrNotFound to its identity.
type notFound struct{ err error }

func (e notFound) Error() string        { return e.err.Error() }
func (e notFound) Unwrap() error        { return e.err }
func (e notFound) Is(target error) bool { return target == ErrNotFound }

// RemoveEmptyDir removes dir if it is empty, on remotes that have
// directories; elsewhere it does nothing. A directory that is not empty,
// or not there, is left alone without an error.
func (s *Store) RemoveEmptyDir(ctx context.Context, dir string) error {
	err := s.f.Rmdir(ctx, strings.Trim(dir, "/"))
	if err == nil || isNotFound(err) || errors.Is(err, fs.ErrorDirectoryNotEmpty) {
		return nil
	}
	return s.wrap("removing directory", dir, err)
}
