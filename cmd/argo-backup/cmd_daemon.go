package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// The daemon's verify and prune tasks are built by those commands' files
// (cmd_verify.go, cmd_prune.go) by setting these; while nil the daemon
// checks the schedule but does not run the task.
var (
	daemonVerify        func(a *app) func(ctx context.Context) error
	daemonVerifyRestore func(a *app) func(ctx context.Context) error
	daemonPrune         func(a *app) func(ctx context.Context) error
)

// daemonCatchUpDelay replaces the daemon's random catch-up delay (tests).
var daemonCatchUpDelay func() time.Duration

func newDaemonCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "daemon",
		Short: "Run the backups on their schedules until stopped",
		Long: `daemon backs up each subvolume on its schedule, and runs verify and prune
on theirs. A run missed while the machine was off starts within a minute of
the daemon starting. SIGTERM or SIGINT stop it within seconds (a running
backup is abandoned before its commit and the next run carries on); SIGHUP
reloads the config, keeping the old one if the new one is bad. See
docs/daemon.md for the OpenRC and systemd services.`,
		Example: `  argo-backup daemon
  argo-backup daemon --log-format text --config /etc/argo-backup/config.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.logFormat == "" && !isTerminal(g.stderr) {
				g.logFormat = "json" // a service manager's log: one JSON object per line
			}
			if err := requireRoot("daemon"); err != nil {
				return err
			}
			return runDaemon(cmd.Context(), g)
		},
	}
}

func runDaemon(ctx context.Context, g *globals) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	d := &backup.Daemon{Load: g.daemonPlan, Reload: hup, Log: g.logger(), CatchUpDelay: daemonCatchUpDelay}
	return d.Run(ctx)
}

// daemonPlan loads the config and builds what the daemon runs from it. It
// runs at start and on every SIGHUP: any error keeps the running plan.
func (g *globals) daemonPlan(ctx context.Context) (*backup.Plan, error) {
	a, err := g.load()
	if err != nil {
		return nil, err
	}
	svs, err := a.subvolumes(nil)
	if err != nil {
		return nil, err
	}
	plan := &backup.Plan{Parallel: a.cfg.Parallel, Reporter: a.reporter(true)}
	for _, sv := range svs {
		cfg, _ := a.cfg.Subvolume(sv.Name)
		sched, err := parseSchedule("subvolume "+sv.Name, cfg.Schedule)
		if err != nil {
			return nil, err
		}
		plan.Subvolumes = append(plan.Subvolumes, backup.Scheduled{Subvolume: sv, Schedule: sched, Ping: a.cfg.PushPing(cfg)})
	}
	plan.Pinger, plan.WebhookURL = g.pinger(), a.cfg.WebhookURL
	if plan.Tasks, err = a.daemonTasks(); err != nil {
		return nil, err
	}
	p, err := a.pusher(ctx)
	if err != nil {
		return nil, err
	}
	p.Progress = nil // jobs run side by side, unattended
	p.Locks = backup.LockOptions{Command: "daemon"}
	plan.Backup = func(ctx context.Context, sv backup.Subvolume) (*manifest.Record, error) {
		return p.Push(ctx, sv, false)
	}
	a.daemonLimit()
	// Up to parallel pushes at once, and a scheduled verify beside them.
	setMemoryLimit(a.cfg, max(a.cfg.Parallel, 1)+1)
	return plan, nil
}

func (a *app) daemonTasks() ([]backup.Task, error) {
	var tasks []backup.Task
	for _, t := range []struct {
		name, spec, ping string
		build            func(*app) func(context.Context) error
	}{
		{"verify", a.cfg.Verify.Schedule, a.cfg.Verify.HealthchecksURL, daemonVerify},
		{"verify-restore", a.cfg.Verify.RestoreSchedule, a.cfg.Verify.HealthchecksURL, daemonVerifyRestore},
		{"prune", a.cfg.Prune.Schedule, a.cfg.Prune.HealthchecksURL, daemonPrune},
	} {
		if t.spec == "" {
			continue
		}
		sched, err := parseSchedule(t.name, t.spec)
		if err != nil {
			return nil, err
		}
		task := backup.Task{Name: t.name, Schedule: sched, Ping: t.ping}
		if t.build != nil {
			task.Run = t.build(a)
		}
		tasks = append(tasks, task)
	}
	return tasks, nil
}

func parseSchedule(what, spec string) (backup.Schedule, error) {
	s, err := backup.ParseSchedule(spec)
	if err != nil {
		return s, errs.Userf("%s: %w", what, err)
	}
	return s, nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// pinger is the daemon's one Pinger, kept across reloads so that pings
// already queued still go out in order.
func (g *globals) pinger() *backup.Pinger {
	daemonPingerOnce.Do(func() { daemonPinger = &backup.Pinger{Log: g.logger()} })
	return daemonPinger
}

var (
	daemonPingerOnce sync.Once
	daemonPinger     *backup.Pinger
)
