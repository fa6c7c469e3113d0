// Package memstore is a remote in memory, for unit tests that need no root,
// no rclone backend and no network: it implements backup.Store and
// restore.Store (asserted in those packages' tests, which this package
// cannot import). Like restic's internal/backend/mem, it keeps the
// contract's observable rules (names relative to the root, recursive
// sorted listings, remote.ErrNotFound, a lock that one run holds at a
// time) and nothing of a real backend's behaviour.
package memstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/argo-backup/argo-backup/remote"
)

// Store holds objects in memory. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	objects map[string]object
	locks   map[string]string // lock name -> holder
	now     func() time.Time
}

type object struct {
	data    []byte
	modTime time.Time
}

// New returns an empty store.
func New() *Store {
	return &Store{objects: map[string]object{}, locks: map[string]string{}, now: time.Now}
}

func (s *Store) String() string { return "memstore" }

// Put stores a copy of data as name.
func (s *Store) Put(ctx context.Context, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[clean(name)] = object{bytes.Clone(data), s.now()}
	return nil
}

// PutSHA256 is Put of the size bytes of src, refusing data whose sha256 is
// not sha256Hex, as the real store's check after an upload would, and
// saying so: like a local or Drive remote, it checked what it holds
// against sha256Hex.
func (s *Store) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(src, 0, size), data); err != nil {
		return remote.Checked{}, fmt.Errorf("put %s: reading the data: %w", name, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != sha256Hex {
		return remote.Checked{}, fmt.Errorf("put %s: sha256 %x, the caller said %s", name, sum, sha256Hex)
	}
	return remote.Checked{Hash: "sha256"}, s.Put(ctx, name, data)
}

// Stat describes one object, with its hashes as a backend that keeps them
// (Drive, S3) reports them.
func (s *Store) Stat(ctx context.Context, name string) (remote.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[clean(name)]
	if !ok {
		return remote.Entry{}, notFound("stat", name)
	}
	return entry(clean(name), o), nil
}

// List returns every object under dir ("" for all), sorted by name; a
// missing directory lists as empty.
func (s *Store) List(ctx context.Context, dir string) ([]remote.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []remote.Entry
	for name, o := range s.objects {
		if strings.HasPrefix(name, prefix) {
			out = append(out, entry(name, o))
		}
	}
	slices.SortFunc(out, func(a, b remote.Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Dirs returns the names of the directories directly under dir ("" for
// the root), sorted: the first path element below dir of every object
// deeper than one level.
func (s *Store) Dirs(ctx context.Context, dir string) ([]string, error) {
	entries, err := s.List(ctx, dir)
	if err != nil {
		return nil, err
	}
	prefix := strings.Trim(dir, "/")
	if prefix != "" {
		prefix += "/"
	}
	var names []string
	for _, e := range entries {
		if first, _, deeper := strings.Cut(strings.TrimPrefix(e.Name, prefix), "/"); deeper {
			names = append(names, first)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// Delete removes one object; a missing one is remote.ErrNotFound.
func (s *Store) Delete(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[clean(name)]; !ok {
		return notFound("delete", name)
	}
	delete(s.objects, clean(name))
	return nil
}

// RemoveEmptyDir does nothing: like an object store, memstore has no
// directories.
func (s *Store) RemoveEmptyDir(context.Context, string) error { return nil }

// Open streams one object.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	data, err := s.ReadAll(ctx, name)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// OpenRange streams n bytes of one object from byte off; a range past its
// end yields what there is, as a remote would.
func (s *Store) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	data, err := s.ReadAll(ctx, name)
	if err != nil {
		return nil, err
	}
	data = data[min(off, int64(len(data))):]
	return io.NopCloser(bytes.NewReader(data[:min(n, int64(len(data)))])), nil
}

// ReadAll returns a copy of one object.
func (s *Store) ReadAll(ctx context.Context, name string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[clean(name)]
	if !ok {
		return nil, notFound("open", name)
	}
	return bytes.Clone(o.data), nil
}

// Acquire takes the lock of host's subvol, or returns a
// *remote.LockedError while another holder has it. The claim is settled at
// once: there is no second writer racing in memory. stale is ignored.
func (s *Store) Acquire(ctx context.Context, host, subvol, holder string, _ time.Duration) (remote.Lease, error) {
	if holder == "" {
		holder = remote.DefaultHolder(host)
	}
	name := remote.LockName(host, subvol)
	s.mu.Lock()
	defer s.mu.Unlock()
	if other, held := s.locks[name]; held {
		return nil, &remote.LockedError{Name: name, Holder: other}
	}
	s.locks[name] = holder
	s.objects[name] = object{[]byte(holder), s.now()} // listed, as the real lock object is
	return &lease{s: s, name: name}, nil
}

// Locked reports whether the lock of host's subvol is held.
func (s *Store) Locked(host, subvol string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, held := s.locks[remote.LockName(host, subvol)]
	return held
}

type lease struct {
	s    *Store
	name string
	once sync.Once
}

func (l *lease) Confirm(ctx context.Context) error { return ctx.Err() }

func (l *lease) Release(context.Context) error {
	l.once.Do(func() {
		l.s.mu.Lock()
		defer l.s.mu.Unlock()
		delete(l.s.locks, l.name)
		delete(l.s.objects, l.name)
	})
	return nil
}

// Names lists every object name, sorted: what a test compares.
func (s *Store) Names() []string {
	entries, _ := s.List(context.Background(), "")
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	return names
}

// Corrupt flips one byte of the object name at offset (from the end if
// negative), for tests of damage detection.
func (s *Store) Corrupt(name string, offset int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[clean(name)]
	if !ok || len(o.data) == 0 {
		panic("memstore: corrupt a missing or empty object " + name)
	}
	if offset < 0 {
		offset += len(o.data)
	}
	o.data = bytes.Clone(o.data)
	o.data[offset] ^= 0xff
	s.objects[clean(name)] = o
}

func entry(name string, o object) remote.Entry {
	sha := sha256.Sum256(o.data)
	md := md5.Sum(o.data)
	return remote.Entry{Name: name, Size: int64(len(o.data)), ModTime: o.modTime,
		SHA256: hex.EncodeToString(sha[:]), MD5: hex.EncodeToString(md[:])}
}

func clean(name string) string { return strings.Trim(name, "/") }

func notFound(doing, name string) error {
	return fmt.Errorf("%s %s on memstore: %w", doing, name, remote.ErrNotFound)
}
