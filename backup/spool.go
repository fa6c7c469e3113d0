package backup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/argo-backup/argo-backup/internal/tmpfile"
)

// A push keeps each sealed part in a spool file in state_dir/spool from
// the moment it is sealed until its upload (and read-back) has ended, not
// in memory. A part waiting for an upload slot, and the retries of an
// upload, then cost disk, not memory: with every sealed part in a mapped
// buffer a push held max(2 x workers + 1, transfers + 1) part buffers, so
// its memory grew with transfers (5 x 32 MiB with the defaults, 17 with
// transfers 16), and a push to Drive peaked above 256 MiB. Spooled, it
// holds workers plaintext buffers whatever transfers is, and at most
// workers + transfers sealed parts on disk (stages.go);
// docs/performance.md, "Sealed parts spooled to state_dir", measured it.
//
// Spool files have no name: they are opened with O_TMPFILE (or, on a file
// system without it, created and removed at once), so the kernel frees
// them when the push closes them, ends or is killed, and nothing is left
// to clean up. Only the fallback can leave a file, if the push is killed
// between creating and removing it: the next push removes those.
//
// A spool that cannot be written for want of space (a small state_dir)
// does not fail the push: its parts are sealed into memory instead, as
// they were before there was a spool, and the push says so once. The
// backup matters more than the memory bound.
type spool struct {
	dir  string
	full sync.Once // the warning that parts go to memory, said once
}

// spoolPattern names the fallback's files while they have a name.
const spoolPattern = ".part-*"

// spoolDir is where pushes spool their sealed parts.
func (s State) spoolDir() string { return filepath.Join(s.Dir, "spool") }

// openSpool makes dir (0700: the files hold only sealed bytes, but nobody
// else needs to see even their sizes) and removes what a killed push left.
func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	left, err := filepath.Glob(filepath.Join(dir, spoolPattern))
	if err != nil {
		return nil, fmt.Errorf("spool directory: %w", err)
	}
	for _, name := range left {
		// Another push may have made it a moment ago and removed it
		// since; removing it first does that push no harm either: it
		// keeps the file open.
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("spool directory: removing what a killed push left: %w", err)
		}
	}
	return &spool{dir: dir}, nil
}

// create returns a new, empty spool file without a name.
func (s *spool) create() (*os.File, error) { return tmpfile.Nameless(s.dir, spoolPattern) }

// sealedData is a sealed object on its way to the remote: a part in its
// spool file, or a file index in memory (a *bytes.Reader).
type sealedData interface {
	io.ReaderAt
	Size() int64
}

// sealedPart is one sealed part in its spool file, or in memory (mem)
// when the spool had no room.
type sealedPart struct {
	f    *os.File
	mem  []byte
	size int64
}

func (s *sealedPart) ReadAt(b []byte, off int64) (int, error) {
	if s.f == nil {
		return bytes.NewReader(s.mem[:s.size]).ReadAt(b, off)
	}
	return s.f.ReadAt(b, off)
}

func (s *sealedPart) Size() int64 { return s.size }

// Write appends to the part in memory (sealing without a spool file).
func (s *sealedPart) Write(b []byte) (int, error) {
	s.mem = append(s.mem, b...)
	return len(b), nil
}

// close frees the spool file (it has no name: closing it deletes it) or
// the memory.
func (s *sealedPart) close() {
	if s.f != nil {
		_ = s.f.Close()
	}
	s.mem = nil
}
