package main

import (
	"context"
	"fmt"
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
	daemonVerify        func(a *app) func(ctx context.Context, report func(any)) error
	daemonVerifyRestore func(a *app) func(ctx context.Context, report func(any)) error
	daemonPrune         func(a *app) func(ctx context.Context, report func(any)) error
)

// daemonCatchUpDelay replaces the daemon's random catch-up delay (tests).
var daemonCatchUpDelay func() time.Duration

func newDaemonCommand(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run the backups on their schedules until stopped",
		Long: `daemon backs up each subvolume on its schedule, and runs verify and prune
on theirs. A run missed while the machine was off starts within a minute of
the daemon starting. SIGTERM or SIGINT stop it within seconds (a running
backup is abandoned before its commit and the next run carries on); SIGHUP
reloads the config, keeping the old one if the new one is bad. --check
loads the config exactly as a start or a reload would (the service scripts
run it first) and exits 0 if the daemon would accept it, non-zero with the
one-line reason if not. See docs/daemon.md for the OpenRC and systemd
services.`,
		Example: `  argo-backup daemon
  argo-backup daemon --check --config /etc/argo-backup/config.yaml
  argo-backup daemon --log-format text --config /etc/argo-backup/config.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if check {
				return checkDaemonConfig(g)
			}
			if g.logFormat == "" && !isTerminal(g.stderr) {
				g.logFormat = "json" // a service manager's log: one JSON object per line
			}
			if err := requireRoot("daemon"); err != nil {
				return err
			}
			return runDaemon(cmd.Context(), g)
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "check the config as a start or reload would (the remote is not contacted), then exit (0: accepted)")
	return cmd
}

// checkDaemonConfig builds the daemon's plan from the config, as a start or
// a SIGHUP does, up to opening the remote, and says whether the daemon
// would take it: the service scripts run it before start, reload and
// restart, so that a refused config fails the service command instead of a
// line in the log.
func checkDaemonConfig(g *globals) error {
	_, plan, err := g.daemonSchedules()
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "config %s: OK, %d subvolume(s), %d task(s)\n", g.configPath, len(plan.Subvolumes), len(plan.Tasks))
	return nil
}

func runDaemon(ctx context.Context, g *globals) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	d := &backup.Daemon{Load: g.daemonPlan, Reload: hup, Log: g.logger(), CatchUpDelay: daemonCatchUpDelay}
	if a, err := g.load(); err == nil { // a bad config is Run's to report
		release, err := a.state().LockDaemon()
		if err != nil {
			return err
		}
		defer release()
		sweepScratch(ctx, d.Log, a.cfg.StateDir)
	}
	return d.Run(ctx)
}

// daemonPlan loads the config and builds what the daemon runs from it. It
// runs at start and on every SIGHUP: any error keeps the running plan.
func (g *globals) daemonPlan(ctx context.Context) (*backup.Plan, error) {
	a, plan, err := g.daemonSchedules()
	if err != nil {
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

// daemonSchedules is the part of daemonPlan that needs no network: the
// config (its schedule warnings logged), the subvolumes (snapper configs
// resolved), the schedules and the recipients. daemon --check stops there, so that a service started before
// the network is up is not refused for it (the daemon itself retries).
func (g *globals) daemonSchedules() (*app, *backup.Plan, error) {
	a, err := g.load()
	if err != nil {
		return nil, nil, err
	}
	svs, err := a.subvolumes(nil)
	if err != nil {
		return nil, nil, err
	}
	if _, err := a.recipients(); err != nil {
		return nil, nil, err
	}
	for _, w := range a.cfg.ScheduleWarnings() {
		a.log.Warn("config: " + w)
	}
	plan := &backup.Plan{Parallel: a.cfg.Parallel, Reporter: a.reporter(true)}
	for _, sv := range svs {
		cfg, _ := a.cfg.Subvolume(sv.Name)
		sched, err := parseSchedule("subvolume "+sv.Name, cfg.Schedule)
		if err != nil {
			return nil, nil, err
		}
		plan.Subvolumes = append(plan.Subvolumes, backup.Scheduled{Subvolume: sv, Schedule: sched, Ping: a.cfg.PushPing(cfg)})
	}
	plan.Pinger, plan.WebhookURL = g.pinger(), a.cfg.WebhookURL
	if plan.Tasks, err = a.daemonTasks(); err != nil {
		return nil, nil, err
	}
	return a, plan, nil
}

func (a *app) daemonTasks() ([]backup.Task, error) {
	var tasks []backup.Task
	for _, t := range []struct {
		name, spec, ping string
		build            func(*app) func(context.Context, func(any)) error
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
