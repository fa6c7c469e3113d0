package restore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/argo-backup/argo-backup/internal/chunked"
	"github.com/argo-backup/argo-backup/internal/tmpfile"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// spoolPart downloads one part into a spool file in dir, hashing it as it
// is written, and checks its stored size and sha256 against the record.
// The file is nameless and in a directory only we can enter (spool.go),
// so the bytes checked are the bytes openSpooled reads. The caller closes
// it. A spool directory without room (a small or full state_dir) does not
// fail the restore: the part is downloaded again into dir's spill
// directory under the system's temporary directory.
func (c *Catalog) spoolPart(ctx context.Context, rec *manifest.Record, part manifest.Part, dir *spoolDir) (*os.File, error) {
	f, err := c.spoolPartInto(ctx, rec, part, dir, dir.create)
	if tmpfile.NoRoom(err) {
		f, err = c.spoolPartInto(ctx, rec, part, dir, dir.createSpill)
	}
	return f, err
}

func (c *Catalog) spoolPartInto(ctx context.Context, rec *manifest.Record, part manifest.Part, dir *spoolDir, create func() (*os.File, error)) (*os.File, error) {
	name := remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, part.Index)
	fail := func(err error) error { return &PartError{Snapshot: rec.Snapshot, Object: name, Err: err} }
	rc, err := c.Store.Open(ctx, name)
	if errors.Is(err, remote.ErrNotFound) {
		return nil, fail(errors.New("missing from the remote"))
	}
	if err != nil {
		return nil, fail(err)
	}
	defer rc.Close()
	f, err := create()
	if err != nil {
		return nil, err // ours, not the part's
	}
	if err := spool(f, rc, part); err != nil {
		dir.close(f)
		var full *spoolError // a full disk is the restore's problem, not the part's
		if errors.As(err, &full) {
			return nil, fmt.Errorf("spooling %s: %w", name, err)
		}
		return nil, fail(err)
	}
	return f, nil
}

// spool copies the stored part from rc to f, hashing it, and checks its
// size and sha256. It reads at most one byte past the record's size: that
// is enough to know it is wrong, and a lying server does not fill the disk.
func spool(f *os.File, rc io.Reader, part manifest.Part) error {
	stored := sha256.New()
	w := &spoolWriter{f: f}
	// Big writes: a 32 MiB part in 32 KiB writes was 1,000 system calls.
	buf := make([]byte, spoolBuffer)
	n, err := io.CopyBuffer(w, io.TeeReader(io.LimitReader(rc, part.StoredBytes+1), stored), buf)
	if w.err != nil {
		return &spoolError{w.err}
	}
	if err != nil {
		return err
	}
	return checkStored(part, n, stored.Sum(nil))
}

// spoolError is a spool file's write error.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }

// spoolBuffer is the size of the reads and writes of spool files.
const spoolBuffer = 256 << 10

// spoolWriter writes to a spool file and keeps its error, to tell it from
// the remote's.
type spoolWriter struct {
	f   *os.File
	err error
}

func (w *spoolWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

// openSpooled opens a spooled part whose stored bytes were checked (age
// authenticates every chunk, zstd decompresses) and checks its plaintext
// size and sha256. The plaintext lands in a buffer from free; the caller
// puts it back once the bytes are written.
func (c *Catalog) openSpooled(rec *manifest.Record, part manifest.Part, f *os.File, free *partFree) (*bytes.Buffer, error) {
	name := remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, part.Index)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("spooled %s: %w", name, err)
	}
	plain, err := c.decode(bufio.NewReaderSize(f, spoolBuffer), part, free)
	if err != nil {
		return nil, &PartError{Snapshot: rec.Snapshot, Object: name, Err: err}
	}
	return plain, nil
}

// openPart reads one stored part from rc, opens it and checks it against
// the record: stored size and sha256, plaintext size and sha256. Nothing
// unchecked reaches btrfs receive.
func (c *Catalog) openPart(rc io.Reader, part manifest.Part) (*bytes.Buffer, error) {
	stored := sha256.New()
	counted := &countingReader{r: io.TeeReader(rc, stored)}
	plain, err := c.decodeUnchecked(counted, part, c.free)
	if err == nil {
		_, err = io.Copy(io.Discard, counted)
	}
	if err == nil {
		err = checkStored(part, counted.n, stored.Sum(nil))
	}
	if err == nil {
		err = checkPlain(part, plain.Bytes())
	}
	if err != nil {
		c.free.put(plain)
		return nil, err
	}
	return plain, nil
}

// decode opens sealed and checks its plaintext against part.
func (c *Catalog) decode(sealed io.Reader, part manifest.Part, free *partFree) (*bytes.Buffer, error) {
	plain, err := c.decodeUnchecked(sealed, part, free)
	if err == nil {
		err = checkPlain(part, plain.Bytes())
	}
	if err != nil {
		free.put(plain)
		return nil, err
	}
	return plain, nil
}

// decodeUnchecked opens sealed into a buffer from free, reading one byte
// past the record's plaintext size so that a longer part is seen. On error
// it returns no buffer.
func (c *Catalog) decodeUnchecked(sealed io.Reader, part manifest.Part, free *partFree) (*bytes.Buffer, error) {
	plainReader, err := c.opener().Open(sealed)
	if err != nil {
		return nil, err
	}
	defer plainReader.Close()
	plain := free.get(part.PlainBytes)
	plain.Reset()
	// ReadFrom wants MinRead bytes free before each read: without them the
	// buffer would double to read the one byte past the end we check for.
	// The size is the record's claim, so it grows past maxPrealloc only as
	// real bytes arrive.
	plain.Grow(int(min(part.PlainBytes, maxPrealloc)) + bytes.MinRead)
	if _, err := io.Copy(plain, io.LimitReader(plainReader, part.PlainBytes+1)); err != nil {
		free.put(plain)
		return nil, fmt.Errorf("open: %w", err)
	}
	return plain, nil
}

// maxPrealloc bounds what a record's part size makes us allocate before a
// byte arrived (the default part_size is 32 MiB).
const maxPrealloc = 64 << 20

func checkStored(part manifest.Part, storedBytes int64, storedSum []byte) error {
	if storedBytes != part.StoredBytes {
		return fmt.Errorf("stored size is %d bytes, the record says %d", storedBytes, part.StoredBytes)
	}
	if got := hex.EncodeToString(storedSum); got != part.StoredSHA256 {
		return fmt.Errorf("stored sha256 is %s, the record says %s", got, part.StoredSHA256)
	}
	return nil
}

func checkPlain(part manifest.Part, plain []byte) error {
	if int64(len(plain)) != part.PlainBytes {
		return fmt.Errorf("decrypted size is %d bytes, the record says %d", len(plain), part.PlainBytes)
	}
	sum := chunked.SHA256(plain)
	if got := hex.EncodeToString(sum[:]); got != part.PlainSHA256 {
		return fmt.Errorf("decrypted sha256 is %s, the record says %s", got, part.PlainSHA256)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
