package restore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/argo-backup/argo-backup/manifest"
)

// Progress receives the bytes written to btrfs receive.
type Progress interface {
	Start(name string, total int64)
	Add(n int64)
	Finish()
}

type noProgress struct{}

func (noProgress) Start(string, int64) {}
func (noProgress) Add(int64)           {}
func (noProgress) Finish()             {}

type fetched struct {
	data []byte
	err  error
}

// writeStream writes the plaintext send stream of rec to w, in order, while
// up to ahead later parts are downloaded and checked in the background.
func (c *Catalog) writeStream(ctx context.Context, rec *manifest.Record, w io.Writer, ahead int, progress Progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan chan fetched, max(ahead-1, 0))
	go func() {
		defer close(queue)
		for _, part := range rec.Parts {
			result := make(chan fetched, 1)
			select {
			case queue <- result:
			case <-ctx.Done():
				return
			}
			go func() {
				data, err := c.fetchPart(ctx, rec, part)
				result <- fetched{data, err}
			}()
		}
	}()
	whole := sha256.New()
	for result := range queue {
		var f fetched
		select {
		case f = <-result:
		case <-ctx.Done():
			return ctx.Err()
		}
		if f.err != nil {
			return f.err
		}
		whole.Write(f.data)
		if _, err := w.Write(f.data); err != nil {
			return err
		}
		progress.Add(int64(len(f.data)))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if got := hex.EncodeToString(whole.Sum(nil)); got != rec.StreamSHA256 {
		return fmt.Errorf("snapshot %s: the stream's sha256 is %s, the record says %s", rec.Snapshot, got, rec.StreamSHA256)
	}
	return nil
}
