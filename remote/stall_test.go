package remote

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rclone/rclone/fs"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

// stallingFront is a real WebDAV server (rclone serve webdav) behind a
// front that, once stall is set, takes every request and never answers:
// a server stopped with SIGSTOP, or a hostile one.
func stallingFront(t *testing.T) (spec string, stall *atomic.Bool) {
	t.Helper()
	real := remotetest.WebDAV(t)
	addr := regexp.MustCompile(`url='http://([^/]+)/'`).FindStringSubmatch(real)[1]
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	stall = new(atomic.Bool)
	gone := make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stall.Load() {
			select {
			case <-r.Context().Done():
			case <-gone:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { close(gone); front.Close() })
	return strings.Replace(real, addr, strings.TrimPrefix(front.URL, "http://"), 1), stall
}

// TestStalledServerGivesUp: a server that stops answering must end an
// operation after StallTimeout of silence with an error that says so and
// what to do, not keep it waiting (rclone's 5 minutes, times its 10
// low-level retries, times ours: trial14 saw push wait 27 minutes and
// status 9 without a word). The test's own deadline is far beyond the
// stall timeout, so a hang fails it on time rather than the error.
func TestStalledServerGivesUp(t *testing.T) {
	t.Parallel()
	spec, stall := stallingFront(t)
	ctx, ci := fs.AddConfig(context.Background())
	ci.LowLevelRetries = 1 // the arithmetic above, without its factor 10
	opt := Options{Retries: 1, RetryDelay: time.Millisecond, StallTimeout: 300 * time.Millisecond}
	s, err := Open(ctx, spec, opt)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "a", []byte("record"))
	stall.Store(true)

	ops := []struct {
		name string
		op   func(context.Context) error
	}{
		{"read", func(ctx context.Context) error { _, err := s.ReadAll(ctx, "a"); return err }},
		{"upload", func(ctx context.Context) error { return s.Put(ctx, "b", []byte("part")) }},
		{"open", func(ctx context.Context) error { _, err := Open(ctx, spec, opt); return err }},
	}
	for _, o := range ops {
		octx, cancel := context.WithTimeout(ctx, 45*time.Second)
		err := o.op(octx)
		hung := octx.Err() != nil
		cancel()
		var st stalled
		if !errors.As(err, &st) || hung {
			t.Errorf("%s from a stalled server: %v, want the stall named", o.name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "the remote stopped answering (nothing for 300ms)") ||
			!strings.Contains(msg, "run the same command again") || strings.Contains(msg, "\n") {
			t.Errorf("%s: message %q, want one line naming the stall and the fix", o.name, msg)
		}
	}
}

// A server that is down (its port closed) is named as such, with the fix.
func TestDownServerNamed(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	ctx, ci := fs.AddConfig(context.Background())
	ci.LowLevelRetries = 1
	_, err = Open(ctx, ":webdav,url='http://"+addr+"/',vendor=other:backups", Options{Retries: 1, RetryDelay: time.Millisecond})
	var gone unreachable
	if !errors.As(err, &gone) || !strings.Contains(err.Error(), "the remote refused the connection: check that the server is up") {
		t.Errorf("opening a remote whose server is down: %v, want it named with the fix", err)
	}
}

// While rclone repeats a request the server does not answer, the log says
// so every StallTimeout, instead of nothing for ten of them.
func TestStalledServerWarns(t *testing.T) {
	t.Parallel()
	spec, stall := stallingFront(t)
	stall.Store(true)
	ctx, ci := fs.AddConfig(context.Background())
	ci.LowLevelRetries = 3 // three silent requests of 300ms: warnings between them
	records := make(recordsTo, 64)
	opt := Options{Retries: 1, RetryDelay: time.Millisecond, StallTimeout: 300 * time.Millisecond, Log: slog.New(records)}
	_, err := Open(ctx, spec, opt)
	var st stalled
	if !errors.As(err, &st) {
		t.Fatalf("opening a stalled remote: %v, want the stall named", err)
	}
	close(records)
	warned := 0
	for r := range records {
		if r["msg"] == "remote: no answer yet, still trying" && r["op"] == "opening the remote" {
			warned++
		}
	}
	if warned == 0 {
		t.Error("no warning while the remote stayed silent")
	}
}
