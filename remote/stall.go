package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rclone/rclone/fs"
)

// StallTimeout is how long a connection to the remote may move no byte at
// all, or a request wait for the first byte of its answer, before it is
// given up as stalled. rclone's own default, 5 minutes, is multiplied by
// its low-level retries (10) and by our retries: a server that accepted
// connections and never answered kept status, push and restore waiting
// for hours without a word (trial14: a push sat 27 minutes, status 9).
// A minute of total silence is no slow line: even a modem line or a tight
// --bwlimit moves bytes every second.
const StallTimeout = time.Minute

// connectTimeout bounds opening a connection, as rclone's --contimeout.
const connectTimeout = 30 * time.Second

// withStallTimeout gives the rclone Fs made under ctx the stall timeouts:
// rclone builds its HTTP clients, with their idle and response-header
// timeouts, from the config in the context given to NewFs.
func withStallTimeout(ctx context.Context, stall time.Duration) context.Context {
	ctx, ci := fs.AddConfig(ctx)
	ci.Timeout = fs.Duration(stall)
	ci.ConnectTimeout = fs.Duration(min(stall, connectTimeout))
	return ctx
}

// stalled is a timeout of the network (a stalled server or line), said
// with what to do about it. The cause stays in the chain.
type stalled struct {
	err   error
	after time.Duration
}

func (e stalled) Error() string {
	return fmt.Sprintf("the remote stopped answering (nothing for %s): check that the server and the line are up, then run the same command again (%v)", e.after, e.err)
}

func (e stalled) Unwrap() error { return e.err }

// explainStall turns a network timeout into a stalled error; other errors,
// and the end of the caller's own context, pass unchanged.
func explainStall(err error, after time.Duration) error {
	var already stalled
	var gone unreachable
	switch {
	case err == nil || errors.As(err, &already) || errors.As(err, &gone):
		return err
	case isTimeout(err):
		return stalled{err: err, after: after}
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "connection refused"):
		return unreachable{err}
	}
	return err
}

// unreachable is a remote that refused the connection (a server that is
// down), said with what to do about it.
type unreachable struct{ err error }

func (e unreachable) Error() string {
	return fmt.Sprintf("the remote refused the connection: check that the server is up and its address is right, then run the same command again (%v)", e.err)
}

func (e unreachable) Unwrap() error { return e.err }

// isTimeout recognises the network's timeouts, also where a backend kept
// only their text (rclone's webdav formats them with %v). The end of the
// caller's own context is not one.
func isTimeout(err error) bool {
	msg := err.Error()
	if strings.Contains(msg, "timeout awaiting response headers") || strings.Contains(msg, "i/o timeout") {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded)
}

// stallWarnings logs a warning each time a request to the remote has
// waited another every without an answer, until stop is called: rclone
// repeats a silent request up to 10 times without a word, and a user on a
// flaky line should not stare at nothing for 10 minutes. Only for requests
// that carry no data (opening the remote, looking an object up): an upload
// or a download on a slow line is busy, not silent.
func stallWarnings(log *slog.Logger, remote, what string, every time.Duration) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(every)
		defer t.Stop()
		for waited := every; ; waited += every {
			select {
			case <-done:
				return
			case <-t.C:
				log.Warn("remote: no answer yet, still trying", "remote", remote, "op", what, "waited", waited)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-exited }) } // no warning after stop
}

// newObject is f.NewObject with stall warnings.
func (s *Store) newObject(ctx context.Context, name string) (fs.Object, error) {
	defer stallWarnings(s.opt.Log, s.display, "looking up "+name, s.opt.StallTimeout)()
	return s.f.NewObject(ctx, name)
}
