package treedigest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// A nested subvolume is live (its own st_dev) in its source and an empty
// placeholder (inode 2) in a snapshot; a send carries neither, so neither
// belongs in a digest.
func TestNestedSubvolumesLeftOut(t *testing.T) {
	btrfstest.NoLeftovers(t)
	fs := btrfstest.NewFS(t, 256<<20, "")
	src := btrfstest.Subvolume(t, fs, "src")
	if err := os.WriteFile(filepath.Join(src, "file"), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	nested := btrfstest.Subvolume(t, src, "nested")
	if err := os.WriteFile(filepath.Join(nested, "inside"), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(fs, "snap")
	if err := btrfs.Snapshot(context.Background(), src, snap); err != nil {
		t.Fatal(err)
	}
	want := []string{".", "file"}
	for _, root := range []string{src, snap} {
		d := Of(t, root, Options{})
		if len(d) != len(want) || d["."] == "" || d["file"] == "" {
			t.Errorf("digest of %s holds %s, want only %q", root, strings.Join(keys(d), ", "), want)
		}
	}
}

func keys(d Digest) []string {
	var out []string
	for k := range d {
		out = append(out, k)
	}
	return out
}
