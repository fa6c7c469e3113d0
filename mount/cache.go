package mount

import (
	"container/list"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/argo-backup/argo-backup/restore"
)

// DiskCache keeps the checked plaintext of the parts a mount read, in a
// directory of its own under state_dir/cache/mount, within a bound in
// bytes, evicting the least recently used part. The plaintext is the
// user's files: the directory is 0700, the files 0600, and Close removes
// it all. Each mount has its own directory, held with flock(2), so mounts
// never share or evict each other's parts, and a mount that was killed
// leaves a directory the next mount removes.
type DiskCache struct {
	dir   string
	lock  *os.File
	limit int64
	log   func(msg string, err error)

	mu    sync.Mutex
	size  int64
	lru   *list.List // of *cached, the most recently used first
	parts map[string]*list.Element
}

type cached struct {
	key  string
	size int64
}

var _ restore.PartCache = (*DiskCache)(nil)

// OpenDiskCache makes a mount's cache directory under stateDir, removing
// those of mounts that are no longer running. log (nil for none) hears
// what the cache could not do; a reader never sees it.
func OpenDiskCache(stateDir string, limit int64, log func(string, error)) (*DiskCache, error) {
	base := filepath.Join(stateDir, "cache", "mount")
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("make the mount cache in %s: %w", base, err)
	}
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("make the mount cache private: %w", err)
		}
	}
	sweep(base, log)
	dir, err := os.MkdirTemp(base, "run-")
	if err != nil {
		return nil, fmt.Errorf("make the mount cache in %s: %w", base, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("lock the mount cache %s: %w", dir, err)
	}
	return &DiskCache{dir: dir, lock: lock, limit: limit, log: log, lru: list.New(), parts: map[string]*list.Element{}}, nil
}

// sweep removes the cache directories of mounts that are gone: those whose
// lock nobody holds.
func sweep(base string, log func(string, error)) {
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "run-") {
			continue
		}
		dir := filepath.Join(base, e.Name())
		f, err := os.Open(filepath.Join(dir, "lock"))
		if err != nil && young(e) {
			continue // a mount starting now, before it made its lock
		}
		if err == nil && syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // a running mount's
			continue
		}
		if f != nil {
			f.Close()
		}
		if err := os.RemoveAll(dir); err != nil && log != nil {
			log("remove the cache of a former mount", err)
		}
	}
}

// young is a directory made in the last minute.
func young(e os.DirEntry) bool {
	fi, err := e.Info()
	return err == nil && time.Since(fi.ModTime()) < time.Minute
}

// Dir is where the cached parts are.
func (c *DiskCache) Dir() string { return c.dir }

// Close removes the cache and its plaintext.
func (c *DiskCache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := os.RemoveAll(c.dir)
	c.lock.Close()
	c.parts, c.size = map[string]*list.Element{}, 0
	c.lru.Init()
	if err != nil {
		return fmt.Errorf("remove the mount cache %s: %w", c.dir, err)
	}
	return nil
}

func (c *DiskCache) path(key string) string { return filepath.Join(c.dir, "part-"+key) }

// ReadAt reads a cached part's bytes.
func (c *DiskCache) ReadAt(key string, p []byte, off int64) (int, bool) {
	c.mu.Lock()
	el := c.parts[key]
	if el != nil {
		c.lru.MoveToFront(el)
	}
	c.mu.Unlock()
	if el == nil {
		return 0, false
	}
	f, err := os.Open(c.path(key))
	if err != nil {
		c.forget(key, err)
		return 0, false
	}
	defer f.Close()
	n, err := f.ReadAt(p, off)
	if n < len(p) {
		c.forget(key, err)
		return 0, false
	}
	return n, true
}

// forget drops a part the disk no longer serves.
func (c *DiskCache) forget(key string, err error) {
	c.report("read the mount cache", err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.parts[key]; el != nil {
		c.drop(el)
	}
}

// Evict drops a part whose cached bytes failed a check (damaged on disk),
// so that the next read downloads and checks it again.
func (c *DiskCache) Evict(key string) {
	c.report("a cached part failed its check: evicted, read again from the remote", fmt.Errorf("part %s", key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if el := c.parts[key]; el != nil {
		c.drop(el)
	}
}

// Put writes a checked part, evicting the least recently used parts to
// stay within the bound.
func (c *DiskCache) Put(key string, plain []byte) {
	size := int64(len(plain))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parts[key] != nil || size > c.limit {
		return
	}
	for c.size+size > c.limit {
		c.drop(c.lru.Back())
	}
	if err := c.write(key, plain); err != nil {
		c.report("keep a part in the mount cache", err)
		return
	}
	c.parts[key] = c.lru.PushFront(&cached{key, size})
	c.size += size
}

// write writes under a temporary name, so a part is whole or absent.
func (c *DiskCache) write(key string, plain []byte) error {
	f, err := os.CreateTemp(c.dir, "tmp-") // 0600
	if err != nil {
		return err
	}
	_, err = f.Write(plain)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path(key))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// drop removes one part; the caller holds mu.
func (c *DiskCache) drop(el *list.Element) {
	e := c.lru.Remove(el).(*cached)
	delete(c.parts, e.key)
	c.size -= e.size
	if err := os.Remove(c.path(e.key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		c.report("evict a part from the mount cache", err)
	}
}

func (c *DiskCache) report(msg string, err error) {
	if c.log != nil && err != nil {
		c.log(msg, err)
	}
}
