package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/backup"
)

type pruneFlags struct {
	dryRun bool
	json   bool
}

func init() {
	daemonPrune = func(a *app) func(ctx context.Context, report func(any)) error {
		return func(ctx context.Context, report func(any)) error {
			reports, err := a.prune(ctx, nil, pruneFlags{})
			report(reports) // the webhook's report: prune --json
			return err
		}
	}
}

func newPruneCommand(g *globals) *cobra.Command {
	var f pruneFlags
	cmd := &cobra.Command{
		Use:   "prune [SUBVOL...]",
		Short: "Delete the backups that retention no longer keeps",
		Long: `prune applies each subvolume's retention (last, hourly, daily, weekly,
monthly, yearly) to this host's backups on the remote, and deletes the parts
of pushes that never committed and are more than a day old. A backup that a
kept backup is built on is always kept, so more may stay than the counts
say. A subvolume without retention keeps everything. It works from the
record copies in state_dir: no identity needed. On Google Drive, deleted
objects skip the trash. See docs/prune.md.`,
		Example: `  argo-backup prune --dry-run   # what would go, and why the rest stays
  argo-backup prune home
  argo-backup prune --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			reports, err := a.prune(cmd.Context(), args, f)
			if f.json {
				if jerr := printPruneJSON(a.stdout, reports); jerr != nil {
					return errors.Join(err, jerr)
				}
			} else {
				printPruneReports(a.stdout, reports)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.dryRun, "dry-run", false, "delete nothing: say what would be deleted and why the rest is kept")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON for scripts")
	return cmd
}

// prune prunes each subvolume in turn and returns the reports made so far;
// it stops at the first failure, since a remote that refused one delete
// will most likely refuse the next.
func (a *app) prune(ctx context.Context, names []string, f pruneFlags) ([]*backup.PruneReport, error) {
	svs, err := a.subvolumes(names)
	if err != nil {
		return nil, err
	}
	st, err := a.repository(ctx, false)
	if err != nil {
		return nil, err
	}
	p := &backup.Pruner{Host: a.cfg.Host, Store: st, State: a.state(), Log: a.log,
		Locks: backup.LockOptions{Command: "prune"}}
	if pruneTestHook != nil {
		pruneTestHook(p)
	}
	var reports []*backup.PruneReport
	for _, sv := range svs {
		rep, err := p.Prune(ctx, sv, f.dryRun)
		if rep != nil {
			reports = append(reports, rep)
		}
		if err != nil {
			return reports, err
		}
	}
	return reports, nil
}

// pruneTestHook, when a test sets it, changes the Pruner of `prune`
// (kill_prune_test.go stops it at a checkpoint). nil outside tests.
var pruneTestHook func(*backup.Pruner)

func printPruneJSON(w io.Writer, reports []*backup.PruneReport) error {
	if reports == nil {
		reports = []*backup.PruneReport{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(reports)
}

// printPruneReports prints one table per subvolume, every backup and
// leftover with what prune does to it and why, then a summary line.
func printPruneReports(w io.Writer, reports []*backup.PruneReport) {
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		printPruneReport(w, rep)
	}
}

func printPruneReport(w io.Writer, rep *backup.PruneReport) {
	title := rep.Host + "/" + rep.Subvolume
	if rep.DryRun {
		title += " (dry run: nothing deleted)"
	}
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tACTION\tWHY")
	for _, b := range rep.Backups {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Snapshot, action(!b.Keep), strings.Join(b.Reasons, ", "))
	}
	for _, l := range rep.Leftovers {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Snapshot, leftoverAction(l.Delete), l.Why)
	}
	tw.Flush()
	for _, warning := range rep.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	fmt.Fprintln(w, pruneSummary(rep))
}

func action(del bool) string {
	if del {
		return "delete"
	}
	return "keep"
}

// leftoverAction is what prune does to a folder no state_dir record
// describes: it is no backup of this host's it keeps, so never "keep".
func leftoverAction(del bool) string {
	if del {
		return "delete"
	}
	return "leave"
}

// pruneSummary counts what went (or would go) and the space it frees. It
// counts the same in a dry run and a real prune, and names the folders
// left alone, which are neither kept backups nor deleted.
func pruneSummary(rep *backup.PruneReport) string {
	var kept, gone, leftovers, objects int
	var bytes int64
	for _, b := range rep.Backups {
		switch {
		case b.Keep:
			kept++
		case b.Deleted || rep.DryRun:
			gone++
			objects, bytes = objects+b.Objects, bytes+b.Bytes
		}
	}
	left := 0
	for _, l := range rep.Leftovers {
		switch {
		case l.Deleted || (rep.DryRun && l.Delete):
			leftovers++
			objects, bytes = objects+l.Objects, bytes+l.Bytes
		case !l.Delete:
			left++
		}
	}
	verb := "deleted"
	if rep.DryRun {
		verb = "would delete"
	}
	line := fmt.Sprintf("%d kept; %s %d backups and %d unfinished pushes: %d objects, %s",
		kept, verb, gone, leftovers, objects, humanize.IBytes(uint64(bytes)))
	if left > 0 {
		line += fmt.Sprintf("; %d other folders left alone (see WHY)", left)
	}
	return line
}
