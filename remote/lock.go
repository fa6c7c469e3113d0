package remote

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultLockStale is used by Lock when stale is 0: long enough that a
// slow network cannot make a live holder look dead. The holder refreshes
// its heartbeat every quarter of it.
const DefaultLockStale = 30 * time.Minute

// lockSettle is how long Lock waits after writing its lock before reading
// it back. Two runs that both found no lock both write one and the later
// write wins; waiting longer than an upload takes lets the loser see that.
// A local directory needs no wait where there was no lock: it creates the
// lock exclusively (claimExclusive).
var lockSettle = 2 * time.Second

// lockFile is the JSON in <host>/locks/<subvol>.lock.
type lockFile struct {
	Holder    string    `json:"holder"`
	Since     time.Time `json:"since"`
	Heartbeat time.Time `json:"heartbeat"`
	// Token tells apart two holders with the same name, such as VMs
	// cloned from one image.
	Token string `json:"token"`
	// Boot and PID identify the holding process on its machine: a lock
	// left by a process of this very boot that no longer runs (killed, or
	// crashed) is taken over at once instead of after stale. Boot is
	// bootTag, never the boot ID itself: the lock is plaintext on the
	// remote, and a boot ID identifies the machine.
	Boot string `json:"boot,omitempty"`
	PID  int    `json:"pid,omitempty"`
}

// bootID identifies this boot of this machine; cloned VMs differ.
func bootID() string {
	data, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// bootTag is what a lock records of this boot: a hash of the boot ID keyed
// with the lock's own random token, so that only this boot of this machine
// can recognise it, and two locks cannot be linked to one machine.
func bootTag(token string) string {
	id := bootID()
	if id == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(id))
	mac.Write([]byte("argo-backup lock boot\x00" + token))
	return hex.EncodeToString(mac.Sum(nil))
}

// deadHere reports whether the lock's holder ran in this boot of this
// machine and is gone.
func (l *lockFile) deadHere() bool {
	if l.Boot == "" || l.PID <= 0 || l.PID == os.Getpid() {
		return false
	}
	if tag := bootTag(l.Token); !hmac.Equal([]byte(l.Boot), []byte(tag)) {
		return false
	}
	return syscall.Kill(l.PID, 0) == syscall.ESRCH
}

// staleAt reports whether the lock's heartbeat is at least stale away from
// now, in either direction: a heartbeat in the future (a holder whose clock
// is ahead, or a planted lock) must not block every push for ever. The
// machines of a fleet must agree on the time within stale.
func (l *lockFile) staleAt(now time.Time, stale time.Duration) bool {
	age := now.Sub(l.Heartbeat)
	return age >= stale || age <= -stale
}

// parseLock decodes a lock object.
func parseLock(data []byte) (*lockFile, error) {
	var l lockFile
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// LockedError says another run holds a lock.
type LockedError struct {
	Name      string // the lock object
	Holder    string
	Since     time.Time
	Heartbeat time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is locked by %s since %s (last heartbeat %s); if that run is gone, delete the lock object or wait until it goes stale",
		e.Name, e.Holder, e.Since.Format(time.RFC3339), e.Heartbeat.Format(time.RFC3339))
}

// DefaultHolder names this process in a lock: the configured host name
// (never the machine's real one, which a neutral host is meant to hide)
// and the pid.
func DefaultHolder(host string) string {
	return fmt.Sprintf("%s pid %d", host, os.Getpid())
}

// Lease is a fleet lock this run holds (Store.Acquire). Confirm waits
// until the claim is settled and fails if another run won it; Release
// stops the heartbeat and deletes the lock if it is still ours.
type Lease interface {
	Confirm(ctx context.Context) error
	Release(ctx context.Context) error
}

var _ Lease = (*Held)(nil)

// Held is a remote lock this run has written. Whether the claim holds is
// settled in the background: two runs that both found no lock both write
// one, and only after lockSettle does the loser see the winner's. The slow
// work of a push (snapshot, send, upload) need not wait for that; only its
// commit does, through Confirm.
type Held struct {
	hb      *heartbeat
	settled chan struct{}
	err     error
}

// Confirm waits until the claim is settled and returns a *LockedError if
// another run won it.
func (h *Held) Confirm(ctx context.Context) error {
	select {
	case <-h.settled:
		return h.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release stops the heartbeat and deletes the lock if it is still ours.
func (h *Held) Release(ctx context.Context) error { return h.hb.release(ctx) }

// Acquire takes the remote lock on host's subvol for a fleet where several
// machines share one remote, returning a *LockedError if another run
// holds it. holder names us in that error on the other side ("" means
// DefaultHolder). It does not wait for the claim to settle: see Held, and
// confirm with Lease.Confirm before anything the lock protects.
//
// While held, the lock's heartbeat is refreshed every stale/4, so a lock
// whose heartbeat is stale or more away from now (older: a run that died;
// in the future: a clock far ahead, or a planted lock) is taken over.
// Release stops the heartbeat and deletes the lock; it returns
// an error if the lock was taken over meanwhile. ctx bounds the heartbeat
// as well: when it ends, the lock stops being refreshed.
func (s *Store) Acquire(ctx context.Context, host, subvol, holder string, stale time.Duration) (Lease, error) {
	if holder == "" {
		holder = DefaultHolder(host)
	}
	if stale <= 0 {
		stale = DefaultLockStale
	}
	name := LockName(host, subvol)
	cur, err := s.readLock(ctx, name)
	none := errors.Is(err, ErrNotFound)
	switch {
	case none:
	case err != nil:
		return nil, err
	case cur.deadHere():
		s.opt.Log.WarnContext(ctx, "remote: taking over the lock of a run that died", "lock", name, "holder", cur.Holder)
	case !cur.staleAt(s.now(), stale):
		return nil, cur.locked(name)
	default:
		s.opt.Log.WarnContext(ctx, "remote: taking over stale lock", "lock", name, "holder", cur.Holder, "heartbeat", cur.Heartbeat)
	}
	now := s.now()
	token := newToken()
	mine := lockFile{Holder: holder, Since: now, Heartbeat: now, Token: token, Boot: bootTag(token), PID: os.Getpid()}
	if none {
		supported, err := s.claimExclusive(name, mine)
		if errors.Is(err, errLockTaken) {
			if cur, err = s.readLock(ctx, name); err != nil {
				return nil, err
			}
			return nil, cur.locked(name)
		}
		if err != nil {
			return nil, err
		}
		if supported { // settled already
			h := &Held{hb: s.startHeartbeat(ctx, name, mine, stale/4), settled: make(chan struct{})}
			close(h.settled)
			return h, nil
		}
	}
	if err := s.writeLock(ctx, name, mine); err != nil {
		return nil, err
	}
	h := &Held{hb: s.startHeartbeat(ctx, name, mine, stale/4), settled: make(chan struct{})}
	go func() {
		defer close(h.settled)
		if h.err = sleep(ctx, lockSettle); h.err == nil {
			h.err = s.stillMine(ctx, name, mine.Token)
		}
	}()
	return h, nil
}

func (l *lockFile) locked(name string) *LockedError {
	return &LockedError{Name: name, Holder: l.Holder, Since: l.Since, Heartbeat: l.Heartbeat}
}

// readLock reads a lock object. One that is short or does not parse may be
// caught mid-rewrite (the local backend rewrites in place), so it is read
// again before being called damaged.
func (s *Store) readLock(ctx context.Context, name string) (*lockFile, error) {
	var parseErr error
	for range 3 {
		data, err := s.ReadAll(ctx, name)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err
		}
		var l *lockFile
		if parseErr = err; err == nil {
			if l, parseErr = parseLock(data); parseErr == nil {
				return l, nil
			}
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("lock %s on %s is unreadable (%v): delete it if no argo-backup is writing there", name, s, parseErr)
}

func (s *Store) writeLock(ctx context.Context, name string, l lockFile) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return s.Put(ctx, name, data)
}

// stillMine returns a *LockedError unless the lock holds token.
func (s *Store) stillMine(ctx context.Context, name, token string) error {
	cur, err := s.readLock(ctx, name)
	if err != nil {
		return err
	}
	if cur.Token != token {
		return cur.locked(name)
	}
	return nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
