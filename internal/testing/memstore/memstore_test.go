package memstore_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/remote"
)

// store is the contract as backup.Store and restore.Store spell it: what
// memstore must do exactly as the real store does, or the unit tests run
// on it prove nothing.
type store interface {
	Put(ctx context.Context, name string, data []byte) error
	PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error)
	Stat(ctx context.Context, name string) (remote.Entry, error)
	List(ctx context.Context, dir string) ([]remote.Entry, error)
	Dirs(ctx context.Context, dir string) ([]string, error)
	Delete(ctx context.Context, name string) error
	ReadAll(ctx context.Context, name string) ([]byte, error)
	Acquire(ctx context.Context, host, subvol, holder string, stale time.Duration) (remote.Lease, error)
}

// The same story told to memstore and to a real store on a local
// directory, each judged against the same written-down expectations.
func TestMemstoreKeepsTheContract(t *testing.T) {
	local, err := remote.Open(t.Context(), t.TempDir(), remote.Options{Retries: 1, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]store{"memstore": memstore.New(), "local remote": local} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			objectsAndListings(t, s)
			lockIsExclusive(t, s)
		})
	}
}

func objectsAndListings(t *testing.T, s store) {
	ctx := t.Context()
	objects := map[string]string{
		"desk/home/home.20261110T020000Z/part-000000.zst.age": "part",
		"desk/home/home.20261110T020000Z/record.json.age":     "record",
		"desk/root/root.20261110T020000Z/record.json.age":     "record",
		"keys/desk.identity.age":                              "key",
		"argo-backup.json":                                    "{}",
	}
	for name, data := range objects {
		if err := s.Put(ctx, name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		dir  string
		want []string
	}{
		{"", []string{"argo-backup.json", "desk/home/home.20261110T020000Z/part-000000.zst.age",
			"desk/home/home.20261110T020000Z/record.json.age", "desk/root/root.20261110T020000Z/record.json.age", "keys/desk.identity.age"}},
		{"desk/home", []string{"desk/home/home.20261110T020000Z/part-000000.zst.age", "desk/home/home.20261110T020000Z/record.json.age"}},
		{"nowhere", nil},
	} {
		entries, err := s.List(ctx, tt.dir)
		if got := names(entries); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %v, %v; want %v", tt.dir, got, err, tt.want)
		}
	}
	for dir, want := range map[string][]string{"": {"desk", "keys"}, "desk": {"home", "root"}, "nowhere": nil} {
		if got, err := s.Dirs(ctx, dir); err != nil || !slices.Equal(got, want) {
			t.Errorf("Dirs(%q) = %v, %v; want %v", dir, got, err, want)
		}
	}
	if e, err := s.Stat(ctx, "keys/desk.identity.age"); err != nil || e.Size != 3 || e.Name != "keys/desk.identity.age" {
		t.Errorf("Stat = %+v, %v; want keys/desk.identity.age of 3 bytes", e, err)
	}
	if data, err := s.ReadAll(ctx, "argo-backup.json"); err != nil || string(data) != "{}" {
		t.Errorf("ReadAll = %q, %v; want {}", data, err)
	}
	const missing = "desk/home/home.20261110T020000Z/part-000001.zst.age"
	_, statErr := s.Stat(ctx, missing)
	_, readErr := s.ReadAll(ctx, missing)
	for op, err := range map[string]error{"Stat": statErr, "ReadAll": readErr, "Delete": s.Delete(ctx, missing)} {
		if !errors.Is(err, remote.ErrNotFound) {
			t.Errorf("%s of a missing object = %v, want remote.ErrNotFound", op, err)
		}
	}
	if _, err := s.PutSHA256(ctx, missing, strings.NewReader("data"), 4, "00"); err == nil {
		t.Error("PutSHA256 with the wrong sha256 succeeded")
	}
	if err := s.Delete(ctx, "argo-backup.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "argo-backup.json"); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("Stat after Delete = %v, want remote.ErrNotFound", err)
	}
}

func lockIsExclusive(t *testing.T, s store) {
	ctx := t.Context()
	first, err := s.Acquire(ctx, "desk", "home", "first pid 1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "desk/locks/home.lock"); err != nil {
		t.Errorf("the held lock is not an object: %v", err)
	}
	var locked *remote.LockedError
	if _, err := s.Acquire(ctx, "desk", "home", "second pid 2", time.Hour); !errors.As(err, &locked) || locked.Holder != "first pid 1" {
		t.Errorf("second Acquire = %v, want a *remote.LockedError naming the first holder", err)
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := s.Acquire(ctx, "desk", "home", "second pid 2", time.Hour)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if err := again.Release(ctx); err != nil {
		t.Fatal(err)
	}
}

func names(entries []remote.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}
