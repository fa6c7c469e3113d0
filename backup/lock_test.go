package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func lockOrFail(t *testing.T, s State, subvol string, o LockOptions) *LocalLock {
	t.Helper()
	l, err := s.LockLocal(context.Background(), subvol, o, nil)
	if err != nil {
		t.Fatalf("lock %s: %v", subvol, err)
	}
	return l
}

func TestLocalLockNoWaitNamesTheHolder(t *testing.T) {
	s := State{Dir: t.TempDir()}
	held := lockOrFail(t, s, "home", LockOptions{Command: "daemon"})
	defer held.Unlock()

	_, err := s.LockLocal(context.Background(), "home", LockOptions{NoWait: true, Command: "push"}, nil)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second lock with --no-wait: %v, want a *LockedError", err)
	}
	for _, want := range []string{"home", "argo-backup daemon", fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestLocalLockWaitsForTheHolder(t *testing.T) {
	defer setLockPoll(10 * time.Millisecond)()
	s := State{Dir: t.TempDir()}
	held := lockOrFail(t, s, "home", LockOptions{Command: "daemon"})

	waiting := make(chan string, 1)
	got := make(chan error, 1)
	go func() {
		l, err := s.LockLocal(context.Background(), "home", LockOptions{Command: "push"}, func(h string) { waiting <- h })
		if err == nil {
			l.Unlock()
		}
		got <- err
	}()
	if h := <-waiting; !strings.Contains(h, "argo-backup daemon") {
		t.Errorf("waiting for %q, want the daemon named", h)
	}
	select {
	case err := <-got:
		t.Fatalf("took the lock while it was held (err %v)", err)
	default:
	}
	held.Unlock()
	if err := <-got; err != nil {
		t.Fatalf("lock after release: %v", err)
	}
}

func TestLocalLockWaitEndsWithContext(t *testing.T) {
	defer setLockPoll(10 * time.Millisecond)()
	s := State{Dir: t.TempDir()}
	held := lockOrFail(t, s, "home", LockOptions{})
	defer held.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	_, err := s.LockLocal(ctx, "home", LockOptions{}, func(string) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting lock after cancel: %v, want context.Canceled", err)
	}
}

func TestLocalLocksArePerSubvolume(t *testing.T) {
	s := State{Dir: t.TempDir()}
	home := lockOrFail(t, s, "home", LockOptions{})
	defer home.Unlock()
	root := lockOrFail(t, s, "root", LockOptions{NoWait: true})
	root.Unlock()
}

func setLockPoll(d time.Duration) (restore func()) {
	old := lockPoll
	lockPoll = d
	return func() { lockPoll = old }
}
