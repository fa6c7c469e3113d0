package remote

import (
	"context"
	"io"

	"github.com/rclone/rclone/fs/accounting"
)

// accounted wraps r in an rclone accounting transfer named name. rclone's
// bandwidth limit (see LimitBandwidth) and its statistics see only readers
// wrapped this way or rclone's own operations.* calls: a plain reader
// handed to a backend's Put bypasses both. done ends the transfer and
// closes r if it is a Closer.
func (s *Store) accounted(ctx context.Context, name string, size int64, r io.Reader) (acc io.ReadCloser, done func(error)) {
	tr := accounting.Stats(ctx).NewTransferRemoteSize(name, size, nil, s.f)
	rc, ok := r.(io.ReadCloser)
	if !ok {
		rc = io.NopCloser(r)
	}
	return tr.Account(ctx, rc), func(err error) { tr.Done(ctx, err) }
}
