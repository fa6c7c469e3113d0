package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

func TestLockRefusesASecondHolderUntilReleased(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		release := mustLock(t, s, "build-host pid 1", time.Hour)

		_, err := lockNow(t.Context(), s, "h", "home", "desktop pid 2", time.Hour)
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Holder != "build-host pid 1" {
			t.Fatalf("second Lock = %v, want a *LockedError naming build-host pid 1", err)
		}
		if !strings.Contains(err.Error(), "build-host pid 1") {
			t.Errorf("error %q does not name the holder", err)
		}

		if err := release(t.Context()); err != nil {
			t.Fatalf("release: %v", err)
		}
		wantNames(t, s, "h/locks")
		mustLock(t, s, "desktop pid 2", time.Hour)
	})
}

func TestLockTakesOverAStaleLock(t *testing.T) {
	forEachRemote(t, func(t *testing.T, s *Store) {
		dead := time.Now().Add(-2 * time.Hour).UTC()
		writeLockObject(t, s, lockFile{Holder: "crashed pid 1", Since: dead, Heartbeat: dead, Token: "old"})

		mustLock(t, s, "desktop pid 2", time.Hour)

		_, err := lockNow(t.Context(), s, "h", "home", "third pid 3", time.Hour)
		var locked *LockedError
		if !errors.As(err, &locked) || locked.Holder != "desktop pid 2" {
			t.Fatalf("Lock after takeover = %v, want a *LockedError naming the new holder", err)
		}
	})
}

// A run that holds its lock for longer than the stale period keeps it: the
// test waits for the event that proves it (a heartbeat written more than
// twice the stale period after the lock was taken), not for a guessed time.
func TestLockHeartbeatKeepsALongRunFresh(t *testing.T) {
	s := openStore(t, remotes[0].spec(t))
	const stale = 100 * time.Millisecond
	mustLock(t, s, "long run", stale)
	waitForLock(t, s, func(l *lockFile) bool { return l.Heartbeat.Sub(l.Since) > 2*stale })
	_, err := lockNow(t.Context(), s, "h", "home", "other", stale)
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Lock of a lock held for over 2x stale = %v, want a *LockedError", err)
	}
}

// Without its heartbeat, a lock goes stale after the stale period and is
// taken over; before that it is not. The lock object's own times are the
// clock: a heartbeat stale-minus-a-margin old is fresh, one older is stale.
func TestLockStalePeriod(t *testing.T) {
	s := openStore(t, remotes[0].spec(t))
	const stale = time.Hour
	for _, tt := range []struct {
		age      time.Duration
		takeover bool
	}{
		{stale - time.Minute, false},
		{stale + time.Minute, true},
	} {
		beat := time.Now().Add(-tt.age).UTC()
		writeLockObject(t, s, lockFile{Holder: "quiet pid 1", Since: beat, Heartbeat: beat, Token: "old"})
		release, err := lockNow(t.Context(), s, "h", "home", "next pid 2", stale)
		if got := err == nil; got != tt.takeover {
			t.Errorf("heartbeat %v old, stale after %v: taken over = %v (%v), want %v", tt.age, stale, got, err, tt.takeover)
		}
		if release != nil {
			_ = release(t.Context())
		}
	}
}

// waitForLock polls h/home's lock object until cond holds, for at most ten
// seconds.
func waitForLock(t *testing.T, s *Store, cond func(*lockFile) bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if l, err := s.readLock(t.Context(), LockName("h", "home")); err == nil && cond(l) {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the lock never met the condition within 10s")
		}
	}
}

func TestReleaseOfALockTakenOverFails(t *testing.T) {
	s := openStore(t, remotes[0].spec(t))
	ctx := t.Context()
	release, err := lockNow(ctx, s, "h", "home", "slow run", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	writeLockObject(t, s, lockFile{Holder: "usurper", Since: now, Heartbeat: now, Token: "theirs"})

	var locked *LockedError
	if err := release(ctx); !errors.As(err, &locked) || locked.Holder != "usurper" {
		t.Fatalf("release = %v, want a *LockedError naming the usurper", err)
	}
	if _, err := s.Stat(ctx, LockName("h", "home")); err != nil {
		t.Errorf("release deleted a lock that was not its own: %v", err)
	}
}

// mustLock locks h/home as holder and releases the lock when the test ends.
func mustLock(t *testing.T, s *Store, holder string, stale time.Duration) func(context.Context) error {
	t.Helper()
	release, err := lockNow(t.Context(), s, "h", "home", holder, stale)
	if err != nil {
		t.Fatalf("Lock as %s: %v", holder, err)
	}
	t.Cleanup(func() { _ = release(context.Background()) })
	return release
}

func writeLockObject(t *testing.T, s *Store, l lockFile) {
	t.Helper()
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, LockName("h", "home"), data)
}

// A lock left by a process of this boot that has died (killed mid-push) is
// taken over at once: the next push must not wait for it to go stale.
func TestLockOfDeadProcessTakenOver(t *testing.T) {
	s := openStore(t, t.TempDir())
	ctx := context.Background()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := lockFile{Holder: "this host pid gone", Since: time.Now(), Heartbeat: time.Now(),
		Token: "old", Boot: bootTag("old"), PID: cmd.Process.Pid}
	if err := s.writeLock(ctx, LockName("h", "home"), dead); err != nil {
		t.Fatal(err)
	}
	release, err := lockNow(ctx, s, "h", "home", "", time.Hour)
	if err != nil {
		t.Fatalf("the lock of a dead process was not taken over: %v", err)
	}
	release(ctx)

	alive := dead
	alive.PID = os.Getppid()
	if err := s.writeLock(ctx, LockName("h", "home"), alive); err != nil {
		t.Fatal(err)
	}
	if _, err := lockNow(ctx, s, "h", "home", "", time.Hour); err == nil {
		t.Fatal("the lock of a live process was taken over")
	}
}

// Two runs that both find no lock both write one; the one overwritten
// learns it from Confirm, before its push could commit anything. (On S3:
// a local directory creates locks exclusively, see the next test.)
func TestAcquireLoserLearnsAtConfirm(t *testing.T) {
	s := openStore(t, remotetest.S3(t))
	ctx := context.Background()
	first, err := s.Acquire(ctx, "h", "home", "clone-a pid 1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// A clone with the same host name, at the same moment, found no lock.
	if err := s.writeLock(ctx, LockName("h", "home"), lockFile{Holder: "clone-b pid 2", Since: time.Now(), Heartbeat: time.Now(), Token: "b"}); err != nil {
		t.Fatal(err)
	}
	var locked *LockedError
	if err := first.Confirm(ctx); !errors.As(err, &locked) || locked.Holder != "clone-b pid 2" {
		t.Fatalf("Confirm = %v, want a *LockedError naming clone-b", err)
	}
	if err := first.Release(ctx); err == nil {
		t.Error("Release of a lost lock succeeded")
	}
	if _, err := s.ReadAll(ctx, LockName("h", "home")); err != nil {
		t.Errorf("the loser deleted the winner's lock: %v", err)
	}
}

// Clones racing for the lock of a local-directory remote: exactly one wins,
// the others are refused at once, and the winner's claim is settled at
// once (no lockSettle wait before its commit).
func TestAcquireLocalRaceHasOneWinnerAtOnce(t *testing.T) {
	saved := lockSettle
	lockSettle = time.Hour // a wait would show as a hang
	t.Cleanup(func() { lockSettle = saved })
	s := openStore(t, t.TempDir())
	ctx := context.Background()
	const clones = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []Lease
		refused int
	)
	start := make(chan struct{})
	for i := range clones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			h, err := s.Acquire(ctx, "h", "home", fmt.Sprintf("clone-%d pid %d", i, i), time.Hour)
			mu.Lock()
			defer mu.Unlock()
			var locked *LockedError
			switch {
			case err == nil:
				winners = append(winners, h)
			case errors.As(err, &locked):
				refused++
			default:
				t.Errorf("clone %d: %v", i, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(winners) != 1 || refused != clones-1 {
		t.Fatalf("%d winners, %d refused; want 1 and %d", len(winners), refused, clones-1)
	}
	if err := winners[0].Confirm(ctx); err != nil {
		t.Errorf("the winner's Confirm: %v", err)
	}
	if err := winners[0].Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
}
