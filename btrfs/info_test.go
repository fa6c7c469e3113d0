package btrfs_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

func TestIsBtrfs(t *testing.T) {
	mnt := btrfstest.NewFS(t, fsSize, "")
	if ok, err := btrfs.IsBtrfs(mnt); !ok || err != nil {
		t.Errorf("IsBtrfs(loop btrfs) = %v, %v", ok, err)
	}
	if ok, _ := btrfs.IsBtrfs("/proc"); ok {
		t.Error("IsBtrfs(/proc) = true")
	}
	if _, err := btrfs.IsBtrfs(filepath.Join(mnt, "missing")); err == nil {
		t.Error("IsBtrfs of a missing path gave no error")
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestInfo checks Info against what btrfs itself prints and against the
// relations a snapshot must have to its source.
func TestInfo(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"f": "x"})
	snap := snapshot(t, home, filepath.Join(mnt, "home.1"))

	src, got := info(t, home), info(t, snap)
	if !uuidRE.MatchString(got.UUID) {
		t.Errorf("UUID %q is not formatted like btrfs prints it", got.UUID)
	}
	if want := showField(t, snap, "UUID"); got.UUID != want {
		t.Errorf("UUID %q, btrfs subvolume show says %q", got.UUID, want)
	}
	if got.ParentUUID != src.UUID {
		t.Errorf("snapshot's ParentUUID %q, want source's UUID %q", got.ParentUUID, src.UUID)
	}
	if !got.ReadOnly || src.ReadOnly {
		t.Errorf("ReadOnly: snapshot %v, source %v; want true, false", got.ReadOnly, src.ReadOnly)
	}
	if src.ParentUUID != "" || src.ReceivedUUID != "" {
		t.Errorf("fresh subvolume has parent %q received %q, want none", src.ParentUUID, src.ReceivedUUID)
	}
	if got.CTransID == 0 || got.TreeID <= 5 || got.TreeID == src.TreeID {
		t.Errorf("snapshot %+v, source %+v: implausible ids", *got, *src)
	}
}

func TestInfoRefusesWhatIsNotASubvolume(t *testing.T) {
	mnt, home := fsWithHome(t, "", map[string]string{"dir/f": "x"})
	tests := []struct {
		path string
		want error
	}{
		{filepath.Join(home, "dir"), btrfs.ErrNotSubvolume},
		{filepath.Join(home, "dir", "f"), btrfs.ErrNotSubvolume},
		{filepath.Dir(mnt), btrfs.ErrNotBtrfs},
		{"/proc", btrfs.ErrNotBtrfs},
	}
	for _, tt := range tests {
		if _, err := btrfs.Info(tt.path); !errors.Is(err, tt.want) {
			t.Errorf("Info(%s): %v, want %v", tt.path, err, tt.want)
		}
	}
	if _, err := btrfs.Info(filepath.Join(mnt, "missing")); err == nil || errors.Is(err, btrfs.ErrNotSubvolume) {
		t.Errorf("Info(missing): %v, want a not-found error", err)
	}
}

// showField returns a field of `btrfs subvolume show`.
func showField(t *testing.T, path, field string) string {
	t.Helper()
	out, err := exec.Command("btrfs", "subvolume", "show", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && k == field {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("btrfs subvolume show: no %s in\n%s", field, out)
	return ""
}
