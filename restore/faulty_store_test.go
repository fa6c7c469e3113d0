package restore_test

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/remote"
)

// faultyStore is the remote with two switches, for the ways an upload goes
// wrong in the real world, and a log of the uploads that went through:
//   - fail: the upload never reaches the remote (a dropped connection, a
//     killed process);
//   - loseReply: the object is stored, but the answer is lost on the way
//     back, so the push believes it failed.
type faultyStore struct {
	backup.Store
	mu        sync.Mutex
	puts      []string
	fail      func(name string) bool
	loseReply func(name string) bool
}

func (f *faultyStore) Put(ctx context.Context, name string, data []byte) error {
	return f.inject(name, func() error { return f.Store.Put(ctx, name, data) })
}

// PutSHA256 is how parts are uploaded: the faults apply to it as to Put.
func (f *faultyStore) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error) {
	var checked remote.Checked
	err := f.inject(name, func() (err error) {
		checked, err = f.Store.PutSHA256(ctx, name, src, size, sha256Hex)
		return err
	})
	return checked, err
}

// inject runs the upload put of name, failing it as the switches say.
func (f *faultyStore) inject(name string, put func() error) error {
	f.mu.Lock()
	failing := f.fail != nil && f.fail(name)
	losing := f.loseReply != nil && f.loseReply(name)
	f.mu.Unlock()
	if failing {
		return errors.New("injected fault: connection lost")
	}
	if err := put(); err != nil {
		return err
	}
	if losing {
		return errors.New("injected fault: connection lost before the reply")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, name)
	return nil
}

// uploaded returns the objects uploaded since the last call.
func (f *faultyStore) uploaded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.puts
	f.puts = nil
	return out
}
