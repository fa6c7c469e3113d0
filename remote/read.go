package remote

import (
	"context"
	"fmt"
	"io"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/operations"
)

// Open streams the object name. A connection that drops mid-object is
// reopened at the offset reached, up to Options.Retries times, so one
// network hiccup does not fail a restore of a 100 GB chain. A stream that
// ends short of the object's size is an error, never a silent EOF.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	o, err := s.newObject(ctx, name)
	if err != nil {
		return nil, s.wrap("opening", name, err)
	}
	r, err := operations.NewReOpen(ctx, o, s.opt.Retries+1)
	if err != nil {
		return nil, s.wrap("opening", name, err)
	}
	acc, done := s.accounted(ctx, name, o.Size(), r)
	return &sizedReader{r: acc, done: done, want: o.Size(), name: name, s: s}, nil
}

// OpenRange streams n bytes of the object name from byte off, reopening
// at the offset reached if the connection drops, as Open does. Several
// ranges of one object can be read at once: on a line where each
// connection gets a fraction of the bandwidth, that is what makes reading
// a part back after its upload cheap (backup/readback.go).
func (s *Store) OpenRange(ctx context.Context, name string, off, n int64) (io.ReadCloser, error) {
	o, err := s.newObject(ctx, name)
	if err != nil {
		return nil, s.wrap("opening", name, err)
	}
	if off < 0 || n <= 0 || off+n > o.Size() {
		return nil, s.wrap("opening", name, fmt.Errorf("bytes %d+%d are not within its %d bytes", off, n, o.Size()))
	}
	r, err := operations.NewReOpen(ctx, o, s.opt.Retries+1, &fs.RangeOption{Start: off, End: off + n - 1})
	if err != nil {
		return nil, s.wrap("opening", name, err)
	}
	acc, done := s.accounted(ctx, name, n, r)
	return &sizedReader{r: acc, done: done, want: n, name: name, s: s}, nil
}

// MaxReadAll bounds what ReadAll reads into memory. The largest object it
// is for, a record, lists its parts at about 250 bytes each: a 10 TiB
// backup in 32 MiB parts is under 100 MiB. Anything larger was not written
// by argo-backup, and must not exhaust the reader's memory.
const MaxReadAll = 256 << 20

// ReadAll reads the whole object name into memory: for records, locks and
// the format marker, not parts. An object over MaxReadAll is refused.
func (s *Store) ReadAll(ctx context.Context, name string) ([]byte, error) {
	return s.readAllMax(ctx, name, MaxReadAll)
}

func (s *Store) readAllMax(ctx context.Context, name string, limit int64) ([]byte, error) {
	r, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	tooLarge := s.wrap("reading", name, fmt.Errorf("object is larger than %d bytes: argo-backup never writes one this large here", limit))
	if sr, ok := r.(*sizedReader); ok && sr.want > limit {
		return nil, tooLarge // known from the listing: nothing downloaded
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}

// sizedReader turns an early EOF into io.ErrUnexpectedEOF, names the
// object in read errors, and never returns bytes past the known size.
type sizedReader struct {
	r    io.ReadCloser
	done func(error) // ends the accounting transfer, closing r
	err  error       // the first error Read returned, for done
	want int64
	got  int64
	name string
	s    *Store
}

func (r *sizedReader) Read(p []byte) (int, error) {
	n, err := r.read(p)
	if err != nil && err != io.EOF && r.err == nil {
		r.err = err
	}
	return n, err
}

func (r *sizedReader) read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.got += int64(n)
	switch {
	case r.want >= 0 && r.got > r.want:
		return n, r.s.wrap("reading", r.name, fmt.Errorf("object is longer than its listed size %d", r.want))
	case err == io.EOF && r.want >= 0 && r.got < r.want:
		return n, r.s.wrap("reading", r.name, fmt.Errorf("stream ended after %d of %d bytes: %w", r.got, r.want, io.ErrUnexpectedEOF))
	case err != nil && err != io.EOF:
		return n, r.s.wrap("reading", r.name, err)
	}
	return n, err
}

// Close ends the download. The accounting transfer closes the object.
func (r *sizedReader) Close() error {
	err := r.r.Close()
	r.done(r.err)
	r.done = func(error) {} // a second Close ends nothing more
	return err
}
