package backup

import (
	"testing"

	"github.com/argo-backup/argo-backup/internal/errs"
)

// While a daemon holds state_dir, status sees it running and a second
// daemon is refused as a user error; once it lets go, neither holds.
func TestDaemonLock(t *testing.T) {
	s := State{Dir: t.TempDir()}
	if s.DaemonRunning() {
		t.Fatal("no daemon ever ran, yet DaemonRunning says one runs")
	}
	release, err := s.LockDaemon()
	if err != nil {
		t.Fatal(err)
	}
	if !s.DaemonRunning() {
		t.Error("a daemon holds the lock, yet DaemonRunning says none runs")
	}
	if _, err := s.LockDaemon(); !errs.IsUser(err) {
		t.Errorf("a second daemon: %v, want a user error", err)
	}
	release()
	if s.DaemonRunning() {
		t.Error("the daemon let go, yet DaemonRunning says one runs")
	}
}
