package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/manifest"
)

type listFlags struct {
	json     bool
	host     string
	identity string
	local    bool
	allHosts bool
}

func newListCommand(g *globals) *cobra.Command {
	var f listFlags
	cmd := &cobra.Command{
		Use:   "list [SUBVOL]",
		Short: "List the backups on the remote",
		Long: `list shows each committed backup: when it was taken, full or incremental,
its parent, chain depth, raw and stored size. It reads the remote's records
with the identity; without one (a machine that only pushes) it lists this
host's own record copies from state_dir.`,
		Example: `  argo-backup list
  argo-backup list home --json
  argo-backup list --host desktop --identity /media/usb/identity.txt
  argo-backup list --all-hosts`,
		Args: maxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.list(cmd.Context(), args, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print JSON (the records) for scripts")
	fl.StringVar(&f.host, "host", "", "list another host's backups, e.g. --host desktop")
	fl.StringVar(&f.identity, "identity", "", "age identity file, e.g. --identity ~/identity.txt")
	fl.BoolVar(&f.allHosts, "all-hosts", false, "the fleet view: the newest backup of every host and subvolume on the remote")
	fl.BoolVar(&f.local, "local", false, "list this host's record copies in state_dir, without the remote or an identity")
	return cmd
}

func (a *app) list(ctx context.Context, args []string, f listFlags) error {
	if f.allHosts {
		return a.listFleet(ctx, f)
	}
	host := a.hostOr(f.host)
	records, trust, err := a.listRecords(ctx, host, args, f)
	if err != nil {
		return err
	}
	if f.json {
		for _, line := range trust.lines {
			fmt.Fprintf(a.stderr, "warning: %s\n", line)
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if records == nil {
			records = []*manifest.Record{}
		}
		return enc.Encode(records)
	}
	printRecords(a.stdout, records, trust.of, time.Now())
	for _, line := range trust.lines {
		fmt.Fprintln(a.stdout, line)
	}
	return nil
}

func (a *app) listRecords(ctx context.Context, host string, args []string, f listFlags) ([]*manifest.Record, listTrust, error) {
	var none listTrust
	subvols := args
	if f.local || (f.identity == "" && !a.escrow && host == a.cfg.Host && !identityPresent(a.cfg.Identity)) {
		if len(subvols) == 0 {
			for _, sv := range a.cfg.Subvolumes {
				subvols = append(subvols, sv.Name)
			}
		}
		var all []*manifest.Record
		for _, sv := range subvols {
			recs, err := a.state().Records(host, sv)
			if err != nil {
				return nil, none, err
			}
			all = append(all, recs...)
		}
		return all, none, nil
	}
	cat, err := a.catalog(ctx, f.identity)
	if err != nil {
		return nil, none, err
	}
	if len(subvols) == 0 {
		if subvols, err = cat.Subvolumes(ctx, host); err != nil {
			return nil, none, err
		}
	}
	return listRemote(ctx, cat, host, subvols)
}

func identityPresent(path string) bool {
	_, err := statFile(path)
	return !errors.Is(err, errNoFile)
}

// printRecords prints the table of records; trust, when not nil, adds the
// TRUST column (records read from the remote).
func printRecords(w io.Writer, records []*manifest.Record, trust map[string]string, now time.Time) {
	if len(records) == 0 {
		if trust != nil {
			fmt.Fprintln(w, "no trusted backups")
			return
		}
		fmt.Fprintln(w, "no backups yet")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "SNAPSHOT\tTAKEN\tKIND\tPARENT\tDEPTH\tRAW\tSTORED"
	if trust != nil {
		header += "\tTRUST"
	}
	fmt.Fprintln(tw, header)
	for _, r := range records {
		kind, parent := "full", "-"
		if !r.IsFull() {
			kind, parent = "incremental", r.Parent
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s\t%s", r.Snapshot, humanize.RelTime(r.Created, now, "ago", "from now"),
			kind, parent, r.Depth, humanize.IBytes(uint64(r.PlainBytes)), humanize.IBytes(uint64(r.StoredBytes)))
		if trust != nil {
			line += "\t" + trust[r.Snapshot]
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}
