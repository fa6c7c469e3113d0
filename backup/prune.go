package backup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// Pruner deletes the backups of one host that its subvolumes' retention no
// longer keeps, and the leftovers of pushes that never committed. It works
// from the plaintext record copies in state_dir, so it needs no identity.
type Pruner struct {
	Host     string
	Store    Store // the remote (a *remote.Store)
	State    State
	Log      *slog.Logger
	Now      func() time.Time
	Location *time.Location // the periods of retention (days, weeks...); nil: time.Local
	Locks    LockOptions    // the local lock shared with push and the daemon

	// TestHook, when set (tests only), is called at each PruneCheckpoint
	// of deleting a backup; see checkpoint.go.
	TestHook func(ctx context.Context, at PruneCheckpoint, snapshot string)
}

// LeftoverAge is how old an unfinished push must be (by its snapshot name)
// before prune deletes its parts. A younger one may still be uploading on
// a host whose journal we cannot see, or be resumed by the next push.
const LeftoverAge = 24 * time.Hour

// PruneReport says what prune did, or in a dry run would do, to the
// backups of one subvolume.
type PruneReport struct {
	Host      string         `json:"host"`
	Subvolume string         `json:"subvolume"`
	DryRun    bool           `json:"dry_run"`
	Backups   []PruneVerdict `json:"backups"` // oldest first
	Leftovers []LeftoverDir  `json:"leftovers"`
	Warnings  []string       `json:"warnings,omitempty"`
}

// PruneVerdict is the fate of one committed backup.
type PruneVerdict struct {
	Snapshot string    `json:"snapshot"`
	Created  time.Time `json:"created"`
	Keep     bool      `json:"keep"`
	Reasons  []string  `json:"reasons"` // why kept, or why deleted
	Objects  int       `json:"objects"` // on the remote, record included
	Bytes    int64     `json:"bytes"`
	Deleted  bool      `json:"deleted"` // gone from the remote (never in a dry run)
}

// LeftoverDir is a snapshot directory on the remote that no record of
// state_dir describes: the parts of a push that never committed (garbage
// once old enough), or a backup committed by a host that lost its state_dir.
type LeftoverDir struct {
	Snapshot string `json:"snapshot"`
	Objects  int    `json:"objects"`
	Bytes    int64  `json:"bytes"`
	Delete   bool   `json:"delete"`
	Why      string `json:"why"`
	Deleted  bool   `json:"deleted"`
}

// Prune applies sv's retention to its backups on the remote. Nothing is
// deleted in a dry run, and nothing at all when sv has no retention. On an
// error the report says what was done before it.
func (p *Pruner) Prune(ctx context.Context, sv Subvolume, dryRun bool) (*PruneReport, error) {
	if !dryRun {
		lock, err := p.State.LockLocal(ctx, sv.Name, p.Locks, func(holder string) {
			p.log().Info("waiting for the local lock", "subvolume", sv.Name, "holder", holder)
		})
		if err != nil {
			return nil, fmt.Errorf("prune %s: %w", sv.Name, err)
		}
		defer lock.Unlock()
	}
	plan, err := p.plan(ctx, sv)
	if err != nil {
		return nil, fmt.Errorf("prune %s: %w", sv.Name, err)
	}
	plan.report.DryRun = dryRun
	if dryRun {
		return plan.report, nil
	}
	if err := p.apply(ctx, plan); err != nil {
		return plan.report, fmt.Errorf("prune %s: %w", sv.Name, err)
	}
	return plan.report, nil
}

func (p *Pruner) log() *slog.Logger { return fallback.Log(p.Log) }

func (p *Pruner) now() time.Time { return fallback.Now(p.Now) }

func (p *Pruner) location() *time.Location {
	if p.Location == nil {
		return time.Local
	}
	return p.Location
}

// plan decides everything before anything is deleted.
func (p *Pruner) plan(ctx context.Context, sv Subvolume) (*prunePlan, error) {
	records, err := p.State.Records(p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	pruning, err := p.State.Pruning(p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	records = withoutSnapshots(records, pruning)
	all := append(slices.Clone(records), pruning...)
	inProgress, err := loadJournal(p.State, p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	dirs, err := listSnapshotDirs(ctx, p.Store, p.Host, sv.Name)
	if err != nil {
		return nil, err
	}
	now := p.now()
	decisions := manifest.PlanRetention(records, sv.Retention, p.location(), now)
	keepForInProgress(decisions, records, inProgress)
	decisions = finishPruning(decisions, pruning)
	warnings, err := checkKeptChains(decisions, all)
	if err != nil {
		return nil, err
	}
	plan := &prunePlan{
		report:    &PruneReport{Host: p.Host, Subvolume: sv.Name, Warnings: warnings},
		decisions: decisions,
		dirs:      dirs,
		resumed:   snapshotSet(pruning),
	}
	plan.judgeBackups()
	plan.judgeLeftovers(sv.Name, all, inProgress, now)
	return plan, nil
}

// apply deletes what the plan says, backups first (oldest first), then
// leftovers. It stops at the first error: a remote that fails one delete
// will most likely fail the next, and the next prune carries on.
func (p *Pruner) apply(ctx context.Context, plan *prunePlan) error {
	rep := plan.report
	for i := range rep.Backups {
		v := &rep.Backups[i]
		if v.Keep {
			continue
		}
		if err := p.deleteBackup(ctx, plan.decisions[i].Record, plan.dirs[v.Snapshot], plan.resumed[v.Snapshot]); err != nil {
			return err
		}
		v.Deleted = true
		p.log().Info("deleted backup", "snapshot", v.Snapshot, "why", strings.Join(v.Reasons, "; "), "objects", v.Objects, "bytes", v.Bytes)
	}
	for i := range rep.Leftovers {
		l := &rep.Leftovers[i]
		if !l.Delete {
			continue
		}
		if err := p.deleteObjects(ctx, plan.dirs[l.Snapshot], ""); err != nil {
			return fmt.Errorf("unfinished push %s: %w", l.Snapshot, err)
		}
		l.Deleted = true
		p.log().Info("deleted unfinished push", "snapshot", l.Snapshot, "objects", l.Objects, "bytes", l.Bytes)
	}
	return nil
}
