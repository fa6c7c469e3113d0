package backup

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"time"

	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/manifest"
)

// Plan is what the daemon runs. It is built from the config when the
// daemon starts and again on SIGHUP.
type Plan struct {
	Subvolumes []Scheduled
	// Backup pushes one subvolume (Pusher.Push in the real daemon).
	Backup func(ctx context.Context, sv Subvolume) (*manifest.Record, error)
	// Tasks are the jobs that are not a subvolume's backup: verify and
	// prune. Each runs alone, never beside a backup: prune deletes
	// snapshots that a running send may be reading.
	Tasks    []Task
	Parallel int // backups of different subvolumes at once; 0: 1
	Reporter *Reporter
	// Pinger sends the healthchecks pings and the webhook; nil: none.
	Pinger *Pinger
	// WebhookURL gets a POST of every job's JobResult as JSON; "": none.
	WebhookURL string
}

// Scheduled is a subvolume and when to back it up.
type Scheduled struct {
	Subvolume
	Schedule Schedule
	Ping     string // healthchecks URL of its pushes; "": none
}

// Task is a scheduled job that is not a backup. A nil Run is not scheduled.
type Task struct {
	Name     string
	Schedule Schedule
	// Run does the task; it may hand report what its command prints with
	// --json, which the daemon posts to webhook_url with the result.
	Run  func(ctx context.Context, report func(any)) error
	Ping string // healthchecks URL of this task; "": none
}

// Daemon runs backups and tasks on their schedules until its context ends.
type Daemon struct {
	Load   func(ctx context.Context) (*Plan, error)
	Reload <-chan os.Signal // SIGHUP: Load again; a bad config keeps the old plan
	Log    *slog.Logger
	Now    func() time.Time
	// CatchUpDelay is how long after start a missed run begins; nil: a
	// random delay under a minute, so machines booted together spread out.
	CatchUpDelay func() time.Duration
}

func (d *Daemon) now() time.Time { return fallback.Now(d.Now) }

func (d *Daemon) log() *slog.Logger { return fallback.Log(d.Log) }

func (d *Daemon) catchUpDelay() time.Duration {
	if d.CatchUpDelay == nil {
		return rand.N(time.Minute)
	}
	return d.CatchUpDelay()
}

// Run loads the plan and runs it. When ctx ends (SIGTERM, SIGINT) the
// running jobs are cancelled, Run waits for them to stop, and returns nil:
// a push commits its record last, so a cancelled one leaves no backup
// half-committed, and the next start carries on from the last record.
func (d *Daemon) Run(ctx context.Context) error {
	plan, err := d.Load(ctx)
	if err != nil {
		return err
	}
	s := &scheduler{d: d, jobs: map[string]*job{}, done: make(chan *job)}
	s.replan(plan)
	d.log().Info("daemon started", "subvolumes", len(plan.Subvolumes), "parallel", s.parallel())
	for {
		s.startDue(ctx)
		wake, stop := s.timer()
		select {
		case <-ctx.Done():
			stop()
			s.drain()
			flushPings(s.plan.Pinger)
			d.log().Info("daemon stopped")
			return nil
		case j := <-s.done:
			s.finished(j)
		case <-d.Reload:
			d.reload(ctx, s)
		case <-wake:
		}
		stop()
	}
}

func (d *Daemon) reload(ctx context.Context, s *scheduler) {
	plan, err := d.Load(ctx)
	if err != nil {
		d.log().Error("config reload refused, keeping the running config", "err", err)
		return
	}
	s.replan(plan)
	d.log().Info("config reloaded", "subvolumes", len(plan.Subvolumes))
}

// flushPings gives the last pings a few seconds to go out at exit.
func flushPings(p *Pinger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.Close(ctx)
}
