package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Staleness goes by the injected clock, both ways: a heartbeat at least the
// stale period old, or at least that far in the future, is stale; anything
// closer is a live holder.
func TestLockStaleBothWays(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	const stale = 30 * time.Minute
	tests := []struct {
		name      string
		heartbeat time.Time
		takenOver bool
	}{
		{"just now", now, false},
		{"a second short of stale", now.Add(-stale + time.Second), false},
		{"exactly stale", now.Add(-stale), true},
		{"long dead", now.Add(-48 * time.Hour), true},
		{"a little in the future (clock skew)", now.Add(10 * time.Minute), false},
		{"stale period in the future", now.Add(stale), true},
		{"years in the future (planted)", now.AddDate(10, 0, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			s.clock = func() time.Time { return now }
			writeLockObject(t, s, lockFile{Holder: "other pid 1", Since: tt.heartbeat, Heartbeat: tt.heartbeat, Token: "other"})
			release, err := lockNow(context.Background(), s, "h", "home", "", stale)
			var locked *LockedError
			switch {
			case tt.takenOver && err != nil:
				t.Fatalf("heartbeat %s: not taken over: %v", tt.heartbeat, err)
			case !tt.takenOver && !errors.As(err, &locked):
				t.Fatalf("heartbeat %s: Lock = %v, want a *LockedError", tt.heartbeat, err)
			}
			if release != nil {
				release(context.Background())
			}
		})
	}
}

// The plaintext lock names the configured host, never the machine's real
// host name, and carries no boot ID; this boot still recognises its own.
func TestLockRevealsOnlyTheConfiguredHost(t *testing.T) {
	s := openStore(t, t.TempDir())
	ctx := context.Background()
	release, err := lockNow(ctx, s, "neutral-name", "home", "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer release(ctx)
	data, err := s.ReadAll(ctx, LockName("neutral-name", "home"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := parseLock(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("neutral-name pid %d", os.Getpid()); l.Holder != want {
		t.Errorf("holder %q, want %q", l.Holder, want)
	}
	real, _ := os.Hostname()
	for what, secret := range map[string]string{"host name": real, "boot ID": bootID()} {
		if secret != "" && secret != "neutral-name" && strings.Contains(string(data), secret) {
			t.Errorf("the lock shows the machine's %s: %s", what, data)
		}
	}
	if bootID() != "" && (l.Boot == "" || l.Boot != bootTag(l.Token) || l.Boot == bootTag("another token")) {
		t.Errorf("boot tag %q: want one this boot recognises for this lock only", l.Boot)
	}
}
