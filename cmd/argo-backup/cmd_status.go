package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/remote"
)

func newStatusCommand(g *globals) *cobra.Command {
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show how each subvolume's backups went and when they run next",
		Long: `status shows per subvolume the last success and failure, the last error,
the next scheduled run, the chain depth of the newest backup, the local
snapshots and the size of the last backup, from state_dir. It also lists the
remote (no identity needed) and says which backups this host pushed the remote
no longer holds whole; --offline skips that.`,
		Example: `  argo-backup status
  argo-backup status --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.status(cmd.Context(), asJSON, offline)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts and monitoring")
	cmd.Flags().BoolVar(&offline, "offline", false, "read state_dir only: do not list the remote")
	return cmd
}

func (a *app) status(ctx context.Context, asJSON, offline bool) error {
	if len(a.cfg.Subvolumes) == 0 {
		fmt.Fprintln(a.stdout, "no subvolumes in the config: nothing is backed up from this machine")
		return nil
	}
	svs, err := a.subvolumes(nil)
	if err != nil {
		return err
	}
	st, err := a.state().Report(a.cfg.Host, svs)
	if err != nil {
		return err
	}
	var remoteErr error
	if !offline {
		remoteErr = a.checkRemote(ctx, st, svs)
	}
	network := a.networkStatus(time.Now())
	running := a.state().DaemonRunning()
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			*backup.Status
			DaemonRunning bool          `json:"daemon_running"`
			Network       networkStatus `json:"network"`
		}{st, running, network}); err != nil {
			return err
		}
		return remoteErr
	}
	var names []string
	for _, sv := range svs {
		names = append(names, sv.Name)
	}
	if !running {
		fmt.Fprintln(a.stdout, "daemon: NOT RUNNING: no backup runs on schedule until it is started (docs/daemon.md)")
		for _, j := range st.Subvolumes {
			j.NextRun = time.Time{}
		}
		for _, j := range st.Tasks {
			j.NextRun = time.Time{}
		}
	}
	printStatus(a.stdout, st, names, time.Now())
	fmt.Fprintln(a.stdout, network)
	return remoteErr
}

// networkStatus is how the daemon's jobs use the network.
type networkStatus struct {
	Transfers int    `json:"transfers"`
	BwLimit   string `json:"bwlimit"`        // as configured, "" for none
	UpNow     int64  `json:"bwlimit_up_now"` // bytes/s in force now, -1: none
	DownNow   int64  `json:"bwlimit_down_now"`
}

func (a *app) networkStatus(now time.Time) networkStatus {
	n := networkStatus{Transfers: a.cfg.Transfers, BwLimit: a.cfg.BwLimit, UpNow: -1, DownNow: -1}
	if limit, err := config.ParseBwLimit("bwlimit", a.cfg.BwLimit); err == nil {
		n.UpNow, n.DownNow = limit.At(now)
	}
	return n
}

func (n networkStatus) String() string {
	if n.BwLimit == "" {
		return fmt.Sprintf("network: %d transfers at once, no bandwidth limit", n.Transfers)
	}
	return fmt.Sprintf("network: %d transfers at once, bwlimit %q (now: upload %s, download %s)",
		n.Transfers, n.BwLimit, rateText(n.UpNow), rateText(n.DownNow))
}

func rateText(bps int64) string {
	if bps <= 0 {
		return "unlimited"
	}
	return humanize.IBytes(uint64(bps)) + "/s"
}

func printStatus(w io.Writer, st *backup.Status, names []string, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBVOLUME\tLAST SUCCESS\tLAST FAILURE\tNEXT RUN\tDEPTH\tLOCAL\tPINNED\tSENT\tSTORED")
	for _, name := range names {
		j := st.Subvolumes[name]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\n", name, when(j.LastSuccess, now, "never"),
			when(j.LastFailure, now, "-"), nextRun(j.NextRun, now), j.ChainDepth, j.LocalSnapshots, j.PinnedSnapshots,
			humanize.IBytes(uint64(j.BytesSent)), humanize.IBytes(uint64(j.BytesStored)))
	}
	tasks := slices.Sorted(maps.Keys(st.Tasks))
	for _, name := range tasks {
		j := st.Tasks[name]
		fmt.Fprintf(tw, "(%s)\t%s\t%s\t%s\t\t\t\t\t\n", name, when(j.LastSuccess, now, "never"),
			when(j.LastFailure, now, "-"), nextRun(j.NextRun, now))
	}
	tw.Flush()
	for _, name := range append(names, tasks...) {
		j := st.Subvolumes[name]
		if j == nil {
			j = st.Tasks[name]
		}
		if j.Failing() {
			fmt.Fprintf(w, "%s is failing (%d in a row): %s\n", name, j.ConsecutiveFail, j.LastError)
		}
		printLost(w, name, j) // tasks have none
	}
}

// printLost says which backups this host pushed are no longer whole on the
// remote (deleted or rolled back there), now or as an earlier push found.
func printLost(w io.Writer, subvol string, j *backup.JobStatus) {
	if len(j.RemoteLost) > 0 {
		fmt.Fprintf(w, "%s: the remote holds less than this host pushed: %d backup(s) gone or changed there (deleted or rolled back?); the next push makes a full backup if its parent is among them:\n", subvol, len(j.RemoteLost))
		for _, l := range j.RemoteLost {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	if len(j.BeingPruned) > 0 {
		fmt.Fprintf(w, "%s: an interrupted prune was deleting %d backup(s), no longer counted; the next prune finishes: %s\n",
			subvol, len(j.BeingPruned), strings.Join(j.BeingPruned, ", "))
	}
	if len(j.LostEarlier) > 0 {
		fmt.Fprintf(w, "%s: a push found %d backup(s) this host pushed gone from the remote and forgot them (delete state_dir/records/<host>/%s/lost once noted):\n", subvol, len(j.LostEarlier), subvol)
		for _, l := range j.LostEarlier {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// emptyRemote lists nothing: a remote without a repository.
type emptyRemote struct{}

func (emptyRemote) List(context.Context, string) ([]remote.Entry, error) { return nil, nil }

// checkRemote fills in what the remote lost. The status of this host is
// worth showing without the remote, so status shows it all, but a remote
// that cannot be listed still fails the command: "nothing lost" must never
// stand for "could not look" (a script reads the exit status alone).
func (a *app) checkRemote(ctx context.Context, st *backup.Status, svs []backup.Subvolume) error {
	var store backup.Lister
	store, err := a.store(ctx, false)
	if errors.Is(err, remote.ErrNoRepository) {
		// No repository at all: every backup this host pushed is lost.
		store, err = emptyRemote{}, nil
	}
	if err == nil {
		err = a.state().CheckRemote(ctx, store, a.cfg.Host, st, svs)
	}
	if err != nil {
		return fmt.Errorf("the remote was not checked for lost backups (the rest is shown above; status --offline reads state_dir alone): %w", err)
	}
	return nil
}

// nextRun is when the daemon said it runs the job next. A time well past
// means no daemon has been running since: say so rather than "5 min ago".
func nextRun(t, now time.Time) string {
	if !t.IsZero() && now.Sub(t) > time.Minute {
		return "overdue: is the daemon running?"
	}
	return when(t, now, "-")
}

func when(t, now time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return humanize.RelTime(t, now, "ago", "from now")
}

// reporter is where a job's outcome goes: the status file and the metrics
// file, and with hooks the on_failure command (the daemon's jobs run
// unattended; a manual push reports its failure to the user).
func (a *app) reporter(hooks bool) *backup.Reporter {
	j := &backup.Reporter{State: a.state(), Host: a.cfg.Host, MetricsFile: a.cfg.MetricsFile, Log: a.log}
	if hooks {
		j.OnFailure = a.cfg.OnFailure
	}
	return j
}
