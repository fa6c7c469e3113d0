package mount

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The cache keeps parts within its bound, evicting the least recently
// used, privately (0700, 0600), and Close removes every byte of it.
func TestDiskCacheEvictsLeastRecentlyUsed(t *testing.T) {
	state := t.TempDir()
	c, err := OpenDiskCache(state, 30, nil)
	if err != nil {
		t.Fatal(err)
	}
	part := func(b byte) []byte { return bytes.Repeat([]byte{b}, 10) }
	c.Put("a", part('a'))
	c.Put("b", part('b'))
	c.Put("c", part('c'))
	buf := make([]byte, 4)
	if n, ok := c.ReadAt("a", buf, 6); !ok || n != 4 || string(buf) != "aaaa" {
		t.Fatalf("a reads %q (%d, %v)", buf, n, ok)
	}
	c.Put("d", part('d')) // over the bound: b is the least recently used
	c.Put("huge", make([]byte, 31))
	for _, tc := range []struct {
		key  string
		kept bool
	}{{"a", true}, {"b", false}, {"c", true}, {"d", true}, {"huge", false}} {
		if _, ok := c.ReadAt(tc.key, buf, 0); ok != tc.kept {
			t.Errorf("part %s kept: %v, want %v", tc.key, ok, tc.kept)
		}
	}
	for path, want := range map[string]os.FileMode{c.Dir(): 0o700, filepath.Dir(c.Dir()): 0o700, filepath.Join(c.Dir(), "part-a"): 0o600} {
		if fi, err := os.Stat(path); err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
	}
	if _, ok := c.ReadAt("a", make([]byte, 11), 0); ok {
		t.Error("a read past its end")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir()); !os.IsNotExist(err) {
		t.Errorf("after Close the cache is still there (%v)", err)
	}
}

// A second mount's cache is its own; the cache of a mount that was killed
// (its lock free) is removed by the next mount, a running one's is not.
func TestDiskCacheSweepsOnlyDeadMounts(t *testing.T) {
	state := t.TempDir()
	running, err := OpenDiskCache(state, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	running.Put("a", []byte("alive"))
	killed, err := OpenDiskCache(state, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	killed.Put("b", []byte("dead"))
	killed.lock.Close() // what a SIGKILL does to its flock
	next, err := OpenDiskCache(state, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if _, err := os.Stat(killed.Dir()); !os.IsNotExist(err) {
		t.Errorf("the killed mount's cache is still there (%v)", err)
	}
	if _, ok := running.ReadAt("a", make([]byte, 5), 0); !ok {
		t.Error("the running mount lost its cache")
	}
	if _, ok := next.ReadAt("a", make([]byte, 5), 0); ok {
		t.Error("a new mount sees another mount's parts")
	}
}
