package restore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/argo-backup/argo-backup/internal/tmpfile"
	"golang.org/x/sys/unix"
)

// Parts downloaded ahead wait for their turn in spool files on disk, not
// in memory: a restore then holds the same few plaintext buffers whatever
// transfers is and however slow the line (docs/performance.md, "restore
// spools the parts it downloads ahead"). A spool file has no name: it is
// made with O_TMPFILE (or unlinked as soon as it is made) in a directory
// of the restore's own, mode 0700, so no other user can open it, let alone
// change it between the check of its bytes and their use, and the kernel
// frees it when the restore ends, however it ends.

// spoolPrefix names the directories a restore spools into. The directory
// is flocked while in use: one left by a killed restore is found unlocked
// and removed by the next (sweepSpools).
const spoolPrefix = "argo-restore-spool-"

// spoolDir is one restore's (one fetchParts') spool directory.
type spoolDir struct {
	path string
	lock *os.File // the directory, opened and flocked

	mu    sync.Mutex
	files map[*os.File]bool // open spool files, closed by remove at the latest
	spill *spoolDir         // under the system's temporary directory, once path had no room
}

// newSpoolDir makes a spool directory under parent (the state directory),
// else under the system's temporary directory, after sweeping what killed
// restores left there.
func newSpoolDir(parent string) (*spoolDir, error) {
	var errs []error
	for _, p := range []string{parent, os.TempDir()} {
		if p == "" {
			continue
		}
		d, err := makeSpoolDir(p)
		if err == nil {
			return d, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("making a spool directory for the parts downloaded ahead: %w", errors.Join(errs...))
}

func makeSpoolDir(parent string) (*spoolDir, error) {
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, err
	}
	sweepSpools(parent)
	path, err := os.MkdirTemp(parent, spoolPrefix) // mode 0700
	if err != nil {
		return nil, err
	}
	lock, err := os.Open(path)
	if err == nil {
		err = unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(path)
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return &spoolDir{path: path, lock: lock, files: map[*os.File]bool{}}, nil
}

// create returns a new, empty, nameless read-write file in d. The caller
// gives it back with close; remove closes what is left.
func (d *spoolDir) create() (*os.File, error) {
	f, err := d.open()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.files[f] = true
	return f, nil
}

// createSpill is create in a second spool directory under the system's
// temporary directory, made the first time path has no room for a part.
func (d *spoolDir) createSpill() (*os.File, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.spill == nil {
		spill, err := makeSpoolDir(os.TempDir())
		if err != nil {
			return nil, fmt.Errorf("no room in %s, and none elsewhere: %w", d.path, err)
		}
		d.spill = spill
	}
	f, err := d.spill.open()
	if err != nil {
		return nil, err
	}
	d.files[f] = true
	return f, nil
}

// close closes f (nil: nothing), whose disk space the kernel frees.
func (d *spoolDir) close(f *os.File) {
	if f == nil {
		return
	}
	d.mu.Lock()
	delete(d.files, f)
	d.mu.Unlock()
	f.Close()
}

func (d *spoolDir) open() (*os.File, error) { return tmpfile.Nameless(d.path, "part-") }

// remove closes the spool files still open (parts downloaded ahead of a
// restore that stopped) and deletes the directory.
func (d *spoolDir) remove() error {
	defer d.lock.Close()
	d.mu.Lock()
	for f := range d.files {
		f.Close()
	}
	d.files = nil
	spill := d.spill
	d.mu.Unlock()
	if spill != nil {
		_ = spill.remove() // its files were d's, closed above
	}
	if err := os.RemoveAll(d.path); err != nil {
		return fmt.Errorf("removing the spool directory: %w", err)
	}
	return nil
}

// sweepSpools removes the spool directories under parent that no running
// restore holds (a restore killed before it removed its own). Failures are
// left for the next sweep: a spool directory holds no data worth keeping.
func sweepSpools(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), spoolPrefix) {
			continue
		}
		path := filepath.Join(parent, e.Name())
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			os.RemoveAll(path)
		}
		f.Close()
	}
}
