package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockDaemon marks state_dir as served by a running daemon for as long as
// the lock is held (flock(2): a killed daemon lets go at once). status
// tells a stopped daemon from a running one by it, and a second daemon on
// the same state_dir is refused instead of running every job twice.
func (s State) LockDaemon() (release func(), err error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("daemon lock: %w", err)
	}
	f, err := os.OpenFile(s.daemonLock(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("daemon lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, inputErrorf("another argo-backup daemon is running with state_dir %s: stop it first (rc-service argo-backup stop, or systemctl stop argo-backup)", s.Dir)
		}
		return nil, fmt.Errorf("daemon lock %s: %w", s.daemonLock(), err)
	}
	return func() { f.Close() }, nil
}

// DaemonRunning reports whether a daemon holds state_dir's daemon lock.
func (s State) DaemonRunning() bool {
	f, err := os.Open(s.daemonLock())
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB), syscall.EWOULDBLOCK)
}

func (s State) daemonLock() string { return filepath.Join(s.Dir, "daemon.lock") }
