package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
)

// The check log in state_dir: missing or damaged reads as empty, never as
// an error; saved, it reads back.
func TestStateCheckLog(t *testing.T) {
	s := State{Dir: t.TempDir()}
	if l := s.CheckLog("desk", "home"); len(l.Parts) != 0 {
		t.Errorf("missing file: %+v", l)
	}
	p := manifest.Part{StoredSHA256: strings.Repeat("c", 64)}
	l := s.CheckLog("desk", "home")
	l.Mark("desk/home/x/part-000000.zst.age", p, "", time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))
	if err := s.SaveCheckLog("desk", "home", l); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.CheckLog("desk", "home").Last("desk/home/x/part-000000.zst.age", p); !ok {
		t.Error("a saved check is not there after reading the log again")
	}
	path := filepath.Join(s.Dir, "checks", "desk", "home.json")
	if err := os.WriteFile(path, []byte("\x00garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l := s.CheckLog("desk", "home"); len(l.Parts) != 0 {
		t.Errorf("damaged file: %+v", l)
	}
}
