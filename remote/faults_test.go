package remote

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// errReset stands for a network failure rclone's own retries gave up on.
var errReset = errors.New("connection reset by peer")

// faultyUploads is an Fs whose next `left` uploads (Put or Update) go
// through fault, which may damage the data or fail the upload.
type faultyUploads struct {
	fs.Fs
	fault func(data []byte) ([]byte, error)

	mu       sync.Mutex
	left     int
	attempts int
}

func (f *faultyUploads) upload(in io.Reader, store func(io.Reader, fs.ObjectInfo) error, src fs.ObjectInfo) error {
	f.mu.Lock()
	f.attempts++
	faulty := f.left > 0
	f.left--
	f.mu.Unlock()
	if !faulty {
		return store(in, src)
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	if data, err = f.fault(data); err != nil {
		return err
	}
	// Like a backend that trusts its input, store what arrived.
	return store(bytes.NewReader(data), resized{src, int64(len(data))})
}

func (f *faultyUploads) Put(ctx context.Context, in io.Reader, src fs.ObjectInfo, options ...fs.OpenOption) (fs.Object, error) {
	var o fs.Object
	err := f.upload(in, func(in io.Reader, src fs.ObjectInfo) (err error) {
		o, err = f.Fs.Put(ctx, in, src, options...)
		return err
	}, src)
	return o, err
}

func (f *faultyUploads) NewObject(ctx context.Context, remote string) (fs.Object, error) {
	o, err := f.Fs.NewObject(ctx, remote)
	if err != nil {
		return nil, err
	}
	return &faultyUpdate{Object: o, f: f}, nil
}

func (f *faultyUploads) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts
}

type faultyUpdate struct {
	fs.Object
	f *faultyUploads
}

func (o *faultyUpdate) Update(ctx context.Context, in io.Reader, src fs.ObjectInfo, options ...fs.OpenOption) error {
	return o.f.upload(in, func(in io.Reader, src fs.ObjectInfo) error {
		return o.Object.Update(ctx, in, src, options...)
	}, src)
}

// resized is src with the size of the damaged data, so the backend
// stores all of it rather than rejecting it.
type resized struct {
	fs.ObjectInfo
	size int64
}

func (r resized) Size() int64 { return r.size }

func (r resized) Hash(ctx context.Context, t hash.Type) (string, error) { return "", nil }

func truncate(data []byte) ([]byte, error) { return data[:len(data)-1], nil }

func flipByte(data []byte) ([]byte, error) {
	d := bytes.Clone(data)
	d[len(d)/2] ^= 0xff
	return d, nil
}

func fail(data []byte) ([]byte, error) { return nil, errReset }

// droppingDownloads is an Fs whose first `left` downloads break off after
// `after` bytes, like a connection dropped mid-object.
type droppingDownloads struct {
	fs.Fs
	after int64

	mu     sync.Mutex
	left   int
	starts []int64 // where each download started
}

func (f *droppingDownloads) NewObject(ctx context.Context, remote string) (fs.Object, error) {
	o, err := f.Fs.NewObject(ctx, remote)
	if err != nil {
		return nil, err
	}
	return &droppingObject{Object: o, f: f}, nil
}

type droppingObject struct {
	fs.Object
	f *droppingDownloads
}

func (o *droppingObject) Open(ctx context.Context, options ...fs.OpenOption) (io.ReadCloser, error) {
	var start int64
	for _, opt := range options {
		if r, ok := opt.(*fs.RangeOption); ok {
			start = r.Start
		}
	}
	o.f.mu.Lock()
	o.f.starts = append(o.f.starts, start)
	drop := o.f.left > 0
	o.f.left--
	o.f.mu.Unlock()
	rc, err := o.Object.Open(ctx, options...)
	if err != nil || !drop {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, o.f.after), failingReader{}), rc}, nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errReset }

func (f *droppingDownloads) downloadStarts() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.starts...)
}

// doubledListing is an Fs that lists every object twice, as Drive can
// when two uploads raced to create one name.
type doubledListing struct{ fs.Fs }

func (f doubledListing) List(ctx context.Context, dir string) (fs.DirEntries, error) {
	entries, err := f.Fs.List(ctx, dir)
	var doubled fs.DirEntries
	for _, e := range entries {
		doubled = append(doubled, e)
		if _, ok := e.(fs.Object); ok {
			doubled = append(doubled, e)
		}
	}
	return doubled, err
}

// Features hides the wrapped Fs's own listing shortcuts, so listings go
// through List.
func (f doubledListing) Features() *fs.Features {
	return (&fs.Features{}).Fill(context.Background(), f)
}
