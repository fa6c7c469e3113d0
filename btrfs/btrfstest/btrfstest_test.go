package btrfstest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// verdict records what a helper did to its test instead of doing it.
type verdict struct {
	testing.TB
	failed, skipped string
}

func (v *verdict) Helper()                   {}
func (v *verdict) Fatalf(f string, a ...any) { v.failed = fmt.Sprintf(f, a...) }
func (v *verdict) Skip(a ...any)             { v.skipped = fmt.Sprint(a...) }

func TestUnmetRequirement(t *testing.T) {
	tests := []struct {
		ci              string
		failed, skipped bool
	}{
		{"", false, true},
		{"false", false, true},
		{"true", true, false},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		v := &verdict{TB: t}
		unmet(v, "needs root")
		if (v.failed != "") != tt.failed || (v.skipped != "") != tt.skipped {
			t.Errorf("CI=%q: failed %q, skipped %q", tt.ci, v.failed, v.skipped)
		}
	}
}

func TestNewFSCleansUp(t *testing.T) {
	var dir string
	t.Run("user", func(t *testing.T) {
		NoLeftovers(t)
		dir = NewFS(t, 256<<20, "")
		Subvolume(t, dir, "home")
	})
	if dir == "" {
		t.Skip("NewFS skipped")
	}
	if left, err := btrfs.Leftovers(filepath.Dir(dir)); err != nil || len(left) > 0 {
		t.Errorf("after the test: %v, %v", left, err)
	}
}
