package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/argo-backup/argo-backup/remote"
)

// RemoteLockStale is how old the heartbeat of a remote lock must be before
// another run takes it over. The holder refreshes it every quarter of this,
// so a live run never looks stale; a desktop switched off mid-push frees its
// lock for the next boot after this long.
const RemoteLockStale = 30 * time.Minute

// lockPoll is how often a waiting push retries the local lock. flock(2)
// cannot be interrupted by a context, so waiting is a polite poll.
var lockPoll = 250 * time.Millisecond

// LockOptions says how Push takes its locks.
type LockOptions struct {
	NoWait  bool          // fail at once if another run holds the local lock
	Command string        // who we are, for the message the other side sees ("push", "daemon")
	Stale   time.Duration // remote lock staleness; 0: RemoteLockStale
}

// LockedError says another process on this host works on the subvolume.
type LockedError struct {
	Subvolume string
	Holder    lockHolder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("subvolume %s is being backed up by %s: wait for it to finish, or run without --no-wait to wait", e.Subvolume, e.Holder)
}

func (h lockHolder) String() string {
	if h.PID == 0 {
		return "another argo-backup process"
	}
	return fmt.Sprintf("argo-backup %s (pid %d) since %s", h.Command, h.PID, h.Since.Local().Format(time.DateTime))
}

// lockHolder is what a holder writes into its local lock file, so that the
// process that finds it taken can say who has it.
type lockHolder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// LocalLock is a held per-subvolume lock in state_dir.
type LocalLock struct{ f *os.File }

// Unlock releases the lock. The file stays: removing it would race with a
// process that has it open and is about to lock it.
func (l *LocalLock) Unlock() error { return l.f.Close() }

// LockLocal takes <state_dir>/locks/<subvol>.lock with flock(2), so that a
// manual push and the daemon never work on one subvolume at once. The
// kernel drops the lock when its holder dies, so a crash leaves no stale
// lock. It waits for the holder unless o.NoWait, in which case it returns a
// *LockedError naming the holder.
func (s State) LockLocal(ctx context.Context, subvol string, o LockOptions, waiting func(holder string)) (*LocalLock, error) {
	path := filepath.Join(s.Dir, "locks", subvol+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", subvol, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", subvol, err)
	}
	if err := waitFlock(ctx, f, subvol, o.NoWait, waiting); err != nil {
		f.Close()
		return nil, err
	}
	if err := writeHolder(f, o.Command); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", subvol, err)
	}
	return &LocalLock{f}, nil
}

func waitFlock(ctx context.Context, f *os.File, subvol string, noWait bool, waiting func(string)) error {
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("lock %s: %w", subvol, err)
		}
		holder := readHolder(f)
		if noWait {
			return &LockedError{Subvolume: subvol, Holder: holder}
		}
		if !told && waiting != nil {
			waiting(holder.String())
			told = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(lockPoll):
		}
	}
}

func readHolder(f *os.File) lockHolder {
	var h lockHolder
	data, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err == nil {
		_ = json.Unmarshal(data, &h) // a holder caught before writing itself stays anonymous
	}
	return h
}

func writeHolder(f *os.File, command string) error {
	if command == "" {
		command = "push"
	}
	data, err := json.Marshal(lockHolder{PID: os.Getpid(), Command: command, Since: time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err = f.WriteAt(data, 0)
	return err
}

// lock takes the local lock, then the remote lock of sv for fleets that
// share one remote. The lease is what commit confirms before it writes the
// record. unlock releases both locks; it is safe after ctx ended.
func (p *Pusher) lock(ctx context.Context, sv Subvolume) (remote.Lease, func(), error) {
	local, err := p.State.LockLocal(ctx, sv.Name, p.Locks, func(holder string) {
		p.log().Info("waiting for the local lock", "subvolume", sv.Name, "holder", holder)
	})
	if err != nil {
		return nil, nil, err
	}
	p.log().Debug("local lock taken", "subvolume", sv.Name)
	stale := p.Locks.Stale
	if stale <= 0 {
		stale = RemoteLockStale
	}
	lease, err := p.Store.Acquire(ctx, p.Host, sv.Name, "", stale)
	if err != nil {
		local.Unlock()
		return nil, nil, fmt.Errorf("remote lock of %s: %w", sv.Name, err)
	}
	p.log().Debug("remote lock taken", "subvolume", sv.Name, "stale_after", stale)
	return lease, func() {
		if err := lease.Release(context.WithoutCancel(ctx)); err != nil {
			p.log().Warn("could not release the remote lock", "subvolume", sv.Name, "err", err)
		}
		local.Unlock()
	}, nil
}
