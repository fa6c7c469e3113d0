package restore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/restore"
)

// Promote moves a staged tree into place in one step and never replaces
// what is there: the helper the native applier's directories use too.
func TestPromote(t *testing.T) {
	dir := t.TempDir()
	staged := filepath.Join(dir, restore.StagingName("home.1"))
	must(t, os.MkdirAll(filepath.Join(staged, "etc"), 0o755))
	if !restore.IsStaging(filepath.Base(staged)) || restore.IsStaging("home.1") {
		t.Errorf("IsStaging is wrong about %s or home.1", filepath.Base(staged))
	}
	must(t, restore.Promote(dir, "home.1"))
	if _, err := os.Stat(filepath.Join(dir, "home.1", "etc")); err != nil {
		t.Errorf("not in place after Promote: %v", err)
	}
	must(t, os.Mkdir(staged, 0o755))
	err := restore.Promote(dir, "home.1")
	if err == nil || !strings.Contains(err.Error(), "never overwritten") {
		t.Errorf("Promote over an existing home.1 = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "home.1", "etc")); err != nil {
		t.Errorf("the existing home.1 was touched: %v", err)
	}
}
