package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Status is the content of <state_dir>/status.json: how each job last went
// and when it runs next. The daemon and manual pushes write it after every
// job; `argo-backup status` and the daemon's catch-up read it.
type Status struct {
	Subvolumes map[string]*JobStatus `json:"subvolumes"`
	Tasks      map[string]*JobStatus `json:"tasks,omitempty"` // verify, prune
}

// JobStatus is one subvolume's (or task's) record of runs.
type JobStatus struct {
	LastSuccess    time.Time `json:"last_success,omitzero"`
	LastFailure    time.Time `json:"last_failure,omitzero"`
	LastError      string    `json:"last_error,omitempty"` // of the last failure, kept after a success
	NextRun        time.Time `json:"next_run,omitzero"`    // set by the daemon
	LastDuration   float64   `json:"last_duration_seconds"`
	LastSnapshot   string    `json:"last_snapshot,omitempty"`
	BytesSent      int64     `json:"bytes_sent"`   // plaintext send stream of the last backup
	BytesStored    int64     `json:"bytes_stored"` // compressed and encrypted, on the remote
	ChainDepth     int       `json:"chain_depth"`  // of the newest backup: streams a restore replays, minus one
	LocalSnapshots int       `json:"local_snapshots"`
	// PinnedSnapshots of LocalSnapshots are parents of future backups,
	// which keep_local never deletes (tiered parents pin one per tier).
	PinnedSnapshots int `json:"pinned_snapshots"`
	FailuresTotal   int `json:"failures_total"`
	ConsecutiveFail int `json:"consecutive_failures"`
	// RemoteLost: backups this host pushed that the remote no longer holds
	// whole, as the status command finds them on the remote now (never in
	// status.json). LostEarlier: those a push found and forgot, from
	// state_dir's lost/ folders, refreshed with the rest of the status.
	RemoteLost  []Loss `json:"remote_lost,omitempty"`
	LostEarlier []Loss `json:"lost_earlier,omitempty"`
	// BeingPruned: backups an interrupted prune was deleting (state_dir's
	// pruning/ folder); the next prune finishes them. Not losses.
	BeingPruned []string `json:"being_pruned,omitempty"`
}

// Failing reports whether the last run failed.
func (j *JobStatus) Failing() bool { return j.LastFailure.After(j.LastSuccess) }

func (s State) statusPath() string { return filepath.Join(s.Dir, "status.json") }

// ReadStatus reads the status file; a missing one is an empty status.
func (s State) ReadStatus() (*Status, error) {
	st := &Status{}
	data, err := os.ReadFile(s.statusPath())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read status: %w", err)
	}
	if err == nil {
		if err := json.Unmarshal(data, st); err != nil {
			return nil, fmt.Errorf("read status %s: %w (delete it: it is rebuilt after the next job)", s.statusPath(), err)
		}
	}
	if st.Subvolumes == nil {
		st.Subvolumes = map[string]*JobStatus{}
	}
	if st.Tasks == nil {
		st.Tasks = map[string]*JobStatus{}
	}
	return st, nil
}

// Job returns the entry of a subvolume (task false) or task, creating it.
func (st *Status) Job(name string, task bool) *JobStatus {
	m := st.Subvolumes
	if task {
		m = st.Tasks
	}
	if m[name] == nil {
		m[name] = &JobStatus{}
	}
	return m[name]
}

// UpdateStatus applies fn to the status file and writes it back atomically.
// A manual push and the daemon may finish at the same moment, so the
// read-modify-write holds an flock on status.lock.
func (s State) UpdateStatus(fn func(*Status)) (*Status, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("write status: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "status.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write status: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("write status: %w", err)
	}
	st, err := s.ReadStatus()
	if err != nil {
		return nil, err
	}
	fn(st)
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	return st, writeFileAtomic(s.statusPath(), append(data, '\n'))
}

// Report is the status of the configured subvolumes as `argo-backup status`
// shows it: the status file, completed from state_dir where it says
// nothing (a host that never ran the daemon still has its records), with
// chain depth and local snapshots counted now.
func (s State) Report(host string, svs []Subvolume) (*Status, error) {
	st, err := s.ReadStatus()
	if err != nil {
		return nil, err
	}
	out := &Status{Subvolumes: map[string]*JobStatus{}, Tasks: st.Tasks}
	for _, sv := range svs {
		j := st.Job(sv.Name, false)
		if err := s.refresh(host, sv, j); err != nil {
			return nil, err
		}
		out.Subvolumes[sv.Name] = j
	}
	return out, nil
}

// refresh fills in what the records and the snapshot directory say.
func (s State) refresh(host string, sv Subvolume, j *JobStatus) error {
	recs, err := s.Records(host, sv.Name)
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		newest := recs[len(recs)-1]
		j.ChainDepth = newest.Depth
		if j.LastSuccess.IsZero() {
			j.LastSuccess, j.LastSnapshot = newest.Committed, newest.Snapshot
			j.BytesSent, j.BytesStored = newest.PlainBytes, newest.StoredBytes
		}
	}
	local, err := localSnapshots(sv)
	if err != nil {
		return err
	}
	j.LocalSnapshots = len(local)
	j.PinnedSnapshots = 0
	pinned := manifest.Pinned(sv.Parents, recs)
	for _, name := range local {
		if pinned[name] {
			j.PinnedSnapshots++
		}
	}
	j.LostEarlier, err = s.Lost(host, sv.Name)
	if err != nil {
		return err
	}
	pruning, err := s.Pruning(host, sv.Name)
	j.BeingPruned = snapshots(pruning)
	return err
}

// snapshots is the names of recs.
func snapshots(recs []*manifest.Record) []string {
	var names []string
	for _, r := range recs {
		names = append(names, r.Snapshot)
	}
	return names
}

// CheckRemote fills in RemoteLost of each subvolume in st from the remote.
func (s State) CheckRemote(ctx context.Context, store Lister, host string, st *Status, svs []Subvolume) error {
	listed := false
	for _, sv := range svs {
		recs, err := s.Records(host, sv.Name)
		if err != nil {
			return err
		}
		losses, err := RemoteLosses(ctx, store, host, sv.Name, recs)
		if err != nil {
			return err
		}
		listed = listed || len(recs) > 0
		st.Job(sv.Name, false).RemoteLost = losses
	}
	if !listed {
		// Nothing pushed from here to compare (a restore-only machine, a
		// lost state_dir): the host's folder is still looked at, so that
		// a remote that cannot be read is said, not taken for fine.
		if _, err := store.List(ctx, host); err != nil && !errors.Is(err, remote.ErrNotFound) {
			return fmt.Errorf("listing %s on the remote: %w", host, err)
		}
	}
	return nil
}

// LastSuccess is when sv last backed up successfully: from the status file,
// else from the newest record (a status file lost or never written).
func (s State) LastSuccess(host string, sv Subvolume) (time.Time, error) {
	st, err := s.ReadStatus()
	if err != nil {
		return time.Time{}, err
	}
	if j := st.Subvolumes[sv.Name]; j != nil && !j.LastSuccess.IsZero() {
		return j.LastSuccess, nil
	}
	recs, err := s.Records(host, sv.Name)
	if err != nil || len(recs) == 0 {
		return time.Time{}, err
	}
	return recs[len(recs)-1].Committed, nil
}
