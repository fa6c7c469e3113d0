package remote

import (
	"context"
	"io"

	"github.com/rclone/rclone/fs/accounting"
)

// accounted wraps r, on a local-directory remote, in an rclone accounting
// transfer named name, so that rclone's bandwidth limit (LimitBandwidth)
// sees its bytes: it sees only readers wrapped this way, rclone's own
// operations.* calls and the network connections of rclone's HTTP
// transport. Network remotes are limited at their connections, each
// direction at its own rate; wrapping their readers too would throttle
// them twice, and at the larger of the two rates. done ends the transfer
// and closes r if it is a Closer.
func (s *Store) accounted(ctx context.Context, name string, size int64, r io.Reader) (acc io.ReadCloser, done func(error)) {
	rc, ok := r.(io.ReadCloser)
	if !ok {
		rc = io.NopCloser(r)
	}
	if s.backend != "local" {
		return rc, func(error) { _ = rc.Close() }
	}
	tr := accounting.Stats(ctx).NewTransferRemoteSize(name, size, nil, s.f)
	return tr.Account(ctx, rc), func(err error) { tr.Done(ctx, err) }
}
