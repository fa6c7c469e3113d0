package remote

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rclone/rclone/fs/fshttp"

	"github.com/argo-backup/argo-backup/internal/testing/nodac"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

// A folder the remote holds but will not list is an error naming it: never
// an empty listing, which would tell the user "no backups" where none could
// be seen. rclone's local backend only counts that error ("ignore error but
// fail sync"); a network backend returns it.
func TestListUnreadableFolder(t *testing.T) {
	if !nodac.Rerun(t) {
		return
	}
	t.Run("local chmod 000", func(t *testing.T) {
		root := remotetest.Local(t)
		s := openStore(t, root)
		putNames(t, s)
		for _, dir := range []string{"desk/home", "other"} {
			if err := os.Chmod(filepath.Join(root, dir), 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(filepath.Join(root, dir), 0o755) })
		}
		requireListErrors(t, s)
	})
	t.Run("webdav 403", func(t *testing.T) {
		s := openStore(t, remotetest.WebDAV(t))
		putNames(t, s)
		fshttp.SetFaultInjector(func(req *http.Request) (int, error) {
			p := strings.TrimSuffix(req.URL.Path, "/")
			if req.Method == "PROPFIND" && (strings.HasSuffix(p, "/desk/home") || strings.HasSuffix(p, "/other")) {
				return http.StatusForbidden, nil
			}
			return 0, nil
		})
		t.Cleanup(func() { fshttp.SetFaultInjector(nil) })
		requireListErrors(t, s)
	})
}

func putNames(t *testing.T, s *Store) {
	t.Helper()
	for _, name := range []string{"desk/home/s1/record.json.age", "desk/home/s1/part-000000.zst.age", "other/x/y"} {
		if err := s.Put(t.Context(), name, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
}

// requireListErrors checks List and Dirs of (and above) the unreadable
// folders desk/home and other, and that a missing folder is still empty.
func requireListErrors(t *testing.T, s *Store) {
	t.Helper()
	for _, tc := range []struct {
		what string
		call func() error
		want string
	}{
		{"List of the folder", func() error { _, err := s.List(t.Context(), "desk/home"); return err }, "home"},
		{"List of its parent", func() error { _, err := s.List(t.Context(), "desk"); return err }, "desk"},
		{"Dirs of the folder", func() error { _, err := s.Dirs(t.Context(), "other"); return err }, "other"},
	} {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: no error, want one naming %s", tc.what, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s: %v; want an error naming %s that is not 'not found'", tc.what, err, tc.want)
		}
	}
	if got, err := s.List(t.Context(), "nobody"); err != nil || len(got) != 0 {
		t.Errorf("List of a missing folder = %v, %v; want empty, no error", got, err)
	}
}
