package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/backup"
)

func newPushCommand(g *globals) *cobra.Command {
	var full, noWait, skipIndex bool
	var net networkFlags
	cmd := &cobra.Command{
		Use:   "push [SUBVOL...]",
		Short: "Back up now (all subvolumes, or the ones named)",
		Long: `push takes a read-only snapshot of each subvolume and stores it on the
remote: incrementally against the newest snapshot whose backup is committed,
or in full the first time (or with --full). It needs only the public
recipients: no identity on the machine.`,
		Example: `  argo-backup push            # every subvolume in the config
  argo-backup push home       # just "home", e.g. before travelling
  argo-backup push --full root`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			a.skipIndex = skipIndex
			return a.push(cmd, args, full, noWait, net)
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "send in full, not incrementally (starts a new chain)")
	cmd.Flags().BoolVar(&noWait, "no-wait", false, "fail at once if the daemon or another push is backing up the subvolume, instead of waiting")
	addNetworkFlags(cmd, &net)
	// Only for make bench: what a push costs without its file index.
	cmd.Flags().BoolVar(&skipIndex, "skip-index", false, "push without a file index (for benchmarks)")
	_ = cmd.Flags().MarkHidden("skip-index")
	return cmd
}

func (a *app) push(cmd *cobra.Command, names []string, full, noWait bool, net networkFlags) error {
	ctx := cmd.Context()
	transfers, unlimit, err := a.network(ctx, net, true)
	if err != nil {
		return err
	}
	defer unlimit()
	svs, err := a.subvolumes(names)
	if err != nil {
		return err
	}
	if _, err := a.recipients(); err != nil {
		return err
	}
	if err := requireRoot("push"); err != nil {
		return err
	}
	for _, sv := range svs {
		if err := backup.CheckSource(sv); err != nil {
			return err
		}
	}
	p, err := a.pusher(ctx)
	if err != nil {
		return err
	}
	p.Locks = backup.LockOptions{NoWait: noWait, Command: "push"}
	p.SkipIndex = a.skipIndex
	if transfers != a.cfg.Transfers { // --transfers; a.pusher took the config's
		p.Transfers = transfers
	}
	var failed error
	for _, sv := range svs {
		start := time.Now()
		rec, err := p.Push(ctx, sv, full)
		if errors.Is(err, backup.ErrNothingNew) {
			fmt.Fprintf(a.stdout, "%s: nothing new: %v\n", sv.Name, err)
			continue
		}
		a.reporter(false).Pushed(ctx, sv, start, time.Now(), rec, err)
		if err != nil {
			if len(svs) > 1 { // the last error is printed on exit; name each one
				a.log.Error("push failed", "subvolume", sv.Name, "err", err)
			}
			failed = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		kind := "full"
		if !rec.IsFull() {
			kind = "incremental on " + rec.Parent
		}
		fmt.Fprintf(a.stdout, "%s: committed %s (%s), %s sent, %s stored\n", sv.Name, rec.Snapshot, kind,
			humanize.IBytes(uint64(rec.PlainBytes)), humanize.IBytes(uint64(rec.StoredBytes)))
	}
	return failed
}
