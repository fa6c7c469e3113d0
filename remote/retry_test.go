package remote

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rclone/rclone/fs/fshttp"
)

func TestPutRetriesAFailedUploadFromItsBuffer(t *testing.T) {
	faults := []struct {
		name  string
		fault func([]byte) ([]byte, error)
		// webdav keeps no hash, so only the size is checked there.
		undetectedOn string
	}{
		{"short write", truncate, ""},
		{"corrupted byte", flipByte, "webdav"},
		{"connection reset", fail, ""},
	}
	for _, r := range remotes {
		for _, fault := range faults {
			if r.name == fault.undetectedOn {
				continue // no such case: the remote keeps no hash that could catch it
			}
			t.Run(r.name+"/"+fault.name, func(t *testing.T) {
				s := openStore(t, r.spec(t))
				data := randomBytes(t, 64<<10)

				once := &faultyUploads{Fs: s.f, fault: fault.fault, left: 1}
				s.f = once
				mustPut(t, s, "part", data)
				wantContent(t, s, "part", data)
				if once.count() != 2 {
					t.Errorf("Put took %d uploads, want 2 (one failed, one retried)", once.count())
				}

				always := &faultyUploads{Fs: once.Fs, fault: fault.fault, left: 1000}
				s.f = always
				err := s.Put(t.Context(), "part2", data)
				if err == nil {
					t.Fatal("Put succeeded although every upload failed")
				}
				if want := testOptions.Retries + 1; always.count() != want {
					t.Errorf("Put gave up after %d uploads, want %d", always.count(), want)
				}
				var mismatch *MismatchError
				if fault.name != "connection reset" && !errors.As(err, &mismatch) {
					t.Errorf("Put error = %v, want a *MismatchError", err)
				}
			})
		}
	}
}

func TestPutStopsRetryingWhenTheContextEnds(t *testing.T) {
	s := openStore(t, remotes[0].spec(t))
	s.opt.RetryDelay = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	s.f = &faultyUploads{Fs: s.f, left: 1000, fault: func([]byte) ([]byte, error) {
		cancel()
		return nil, errReset
	}}
	done := make(chan error)
	go func() { done <- s.Put(ctx, "part", []byte("data")) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Put still waiting to retry after its context ended")
	}
}

func TestPutAndReadSurviveFailingHTTPRequests(t *testing.T) {
	for _, r := range remotes {
		if !r.http {
			continue // no HTTP requests to fail
		}
		t.Run(r.name, func(t *testing.T) {
			s := openStore(t, r.spec(t))
			var requests, failed atomic.Int64
			// Every third request fails, three times in all: a b2 upload
			// is three requests, so failing every third for ever would
			// fail each attempt at the same step.
			fshttp.SetFaultInjector(func(*http.Request) (int, error) {
				if requests.Add(1)%3 == 0 && failed.Load() < 3 {
					failed.Add(1)
					return http.StatusServiceUnavailable, nil
				}
				return 0, nil
			})
			t.Cleanup(func() { fshttp.SetFaultInjector(nil) })

			data := randomBytes(t, 256<<10)
			mustPut(t, s, "h/home/s1/part-000000.zst.age", data)
			wantContent(t, s, "h/home/s1/part-000000.zst.age", data)
			if failed.Load() == 0 {
				t.Fatal("no request was failed; the test proves nothing")
			}
		})
	}
}

func TestOpenSurvivesDroppedConnections(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		data := randomBytes(t, 300<<10)
		mustPut(t, s, "part", data)

		drops := &droppingDownloads{Fs: s.f, after: 100 << 10, left: 2}
		s.f = drops
		wantContent(t, s, "part", data)
		if got, want := drops.downloadStarts(), []int64{0, 100 << 10, 200 << 10}; !slices.Equal(got, want) {
			t.Errorf("downloads started at %v, want %v (resumed where each dropped)", got, want)
		}

		s.f = &droppingDownloads{Fs: drops.Fs, after: 1 << 10, left: 1000}
		if _, err := s.ReadAll(t.Context(), "part"); !errors.Is(err, errReset) {
			t.Errorf("ReadAll with every connection dropping = %v, want the connection error", err)
		}
	})
}

// An upload the remote refuses for good (a local remote the user cannot
// write, a read-only mount) fails at once, naming why: retrying only makes
// the user wait for the same answer.
func TestPutDoesNotRetryAPermanentRefusal(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"permission denied", &iofs.PathError{Op: "open", Path: "part", Err: syscall.EACCES}},
		{"operation not permitted", &iofs.PathError{Op: "open", Path: "part", Err: syscall.EPERM}},
		{"read-only file system", fmt.Errorf("update: %w", &iofs.PathError{Op: "open", Path: "part", Err: syscall.EROFS})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, remotes[0].spec(t))
			s.opt.RetryDelay = time.Millisecond
			refused := &faultyUploads{Fs: s.f, left: 1000, fault: func([]byte) ([]byte, error) { return nil, c.err }}
			s.f = refused
			err := s.Put(t.Context(), "part", []byte("data"))
			if err == nil || !strings.Contains(err.Error(), c.name) {
				t.Errorf("Put = %v, want an error saying %q", err, c.name)
			}
			if refused.count() != 1 {
				t.Errorf("Put tried %d uploads, want 1", refused.count())
			}
		})
	}
}
