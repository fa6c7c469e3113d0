package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/argo-backup/argo-backup/manifest"
)

// fleetRow is one host and subvolume in the fleet view.
type fleetRow struct {
	Host        string    `json:"host"`
	Subvolume   string    `json:"subvolume"`
	Newest      string    `json:"newest"`
	Taken       time.Time `json:"taken"`
	Backups     int       `json:"backups"`
	StoredBytes int64     `json:"stored_bytes"`
}

// listFleet shows every host sharing the remote: for a small fleet (a build
// host, a desktop, VMs) the one place to see that each is backed up.
func (a *app) listFleet(ctx context.Context, f listFlags) error {
	cat, err := a.catalog(ctx, f.identity)
	if err != nil {
		return err
	}
	hosts, err := cat.Hosts(ctx)
	if err != nil {
		return err
	}
	var rows []fleetRow
	for _, h := range hosts {
		subvols, err := cat.Subvolumes(ctx, h)
		if err != nil {
			return err
		}
		for _, sv := range subvols {
			recs, err := cat.Records(ctx, h, sv)
			if err != nil {
				return err
			}
			if len(recs) > 0 {
				rows = append(rows, fleetRowOf(h, sv, recs))
			}
		}
	}
	if f.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if rows == nil {
			rows = []fleetRow{}
		}
		return enc.Encode(rows)
	}
	printFleet(a.stdout, rows, time.Now())
	return nil
}

func fleetRowOf(host, subvol string, recs []*manifest.Record) fleetRow {
	newest := recs[len(recs)-1]
	row := fleetRow{Host: host, Subvolume: subvol, Newest: newest.Snapshot, Taken: newest.Created, Backups: len(recs)}
	for _, r := range recs {
		row.StoredBytes += r.StoredBytes
	}
	return row
}

func printFleet(w io.Writer, rows []fleetRow, now time.Time) {
	if len(rows) == 0 {
		fmt.Fprintln(w, "no backups on the remote yet")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tSUBVOLUME\tNEWEST\tAGE\tBACKUPS\tSTORED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", r.Host, r.Subvolume, r.Newest,
			humanize.RelTime(r.Taken, now, "ago", "from now"), r.Backups, humanize.IBytes(uint64(r.StoredBytes)))
	}
	tw.Flush()
}
