package remote

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"time"

	"github.com/rclone/rclone/fs/fserrors"
)

// maxRetryDelay caps the backoff: a remote that is down for longer is
// better reported than waited for.
const maxRetryDelay = time.Minute

// retry runs op until it succeeds, fails for good, ctx ends, or
// Options.Retries retries are spent, pausing RetryDelay, then twice as
// long, and so on between attempts.
func (s *Store) retry(ctx context.Context, what string, op func() error) error {
	delay := s.opt.RetryDelay
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !retryable(err) {
			return err
		}
		if attempt > s.opt.Retries {
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		s.opt.Log.WarnContext(ctx, "remote: retrying", "remote", s.display, "op", what, "attempt", attempt, "delay", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// retryable is false for errors rclone knows a retry cannot fix, such as
// Drive's daily upload limit with stop_on_upload_limit, and for a local or
// mounted remote that refuses us for good (permission denied, read-only
// filesystem): retrying those only keeps the user waiting for the same
// answer.
func retryable(err error) bool {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return false
	}
	return !fserrors.IsFatalError(err) && !fserrors.IsNoRetryError(err)
}
