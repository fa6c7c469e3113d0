package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/b2fake"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

func TestMain(m *testing.M) {
	lockSettle = 20 * time.Millisecond
	os.Exit(m.Run())
}

// remotes are the kinds of remote every behaviour is checked against;
// http says whether rclone reaches it over HTTP (fshttp's fault injector).
var remotes = []struct {
	name string
	spec func(testing.TB) string
	http bool
}{
	{"local", remotetest.Local, false},
	{"s3", remotetest.S3, true},
	{"webdav", remotetest.WebDAV, true},
	{"sftp", remotetest.SFTP, false},
	{"b2", b2fake.Spec, true},
}

// forEachRemote runs test against a fresh store on each kind of remote.
func forEachRemote(t *testing.T, test func(t *testing.T, s *Store)) {
	t.Helper()
	for _, r := range remotes {
		t.Run(r.name, func(t *testing.T) {
			test(t, openStore(t, r.spec(t)))
		})
	}
}

// testOptions retry quickly, so tests of retries take milliseconds.
var testOptions = Options{Retries: 3, RetryDelay: time.Millisecond}

func openStore(t testing.TB, spec string) *Store {
	t.Helper()
	s, err := Open(context.Background(), spec, testOptions)
	if err != nil {
		t.Fatalf("Open(%q): %v", spec, err)
	}
	return s
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func mustPut(t testing.TB, s *Store, name string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), name, data); err != nil {
		t.Fatalf("Put(%s): %v", name, err)
	}
}

// wantContent checks that name on s reads back as want.
func wantContent(t testing.TB, s *Store, name string, want []byte) {
	t.Helper()
	got, err := s.ReadAll(context.Background(), name)
	if err != nil {
		t.Fatalf("ReadAll(%s): %v", name, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s reads back %d bytes, want the %d stored", name, len(got), len(want))
	}
}

// lockNow takes the lock and waits until the claim is settled: Acquire
// then Confirm, as a push does before its commit.
func lockNow(ctx context.Context, s *Store, host, subvol, holder string, stale time.Duration) (release func(context.Context) error, err error) {
	h, err := s.Acquire(ctx, host, subvol, holder, stale)
	if err != nil {
		return nil, err
	}
	if err := h.Confirm(ctx); err != nil {
		_ = h.Release(context.WithoutCancel(ctx)) // deletes nothing that is not ours
		return nil, err
	}
	return h.Release, nil
}
