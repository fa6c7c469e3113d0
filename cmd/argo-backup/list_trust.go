package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

// listTrust is what list says about trust: the TRUST column of each listed
// (trusted) backup, and a line for each untrusted record and each backup
// missing below the newest trusted one.
type listTrust struct {
	of    map[string]string // snapshot: "signed" or "endorsed by ..."
	lines []string
}

// listRemote judges the records of each subvolume: trusted ones are listed,
// untrusted ones named with the reason.
func listRemote(ctx context.Context, cat *restore.Catalog, host string, subvols []string) ([]*manifest.Record, listTrust, error) {
	t := listTrust{of: map[string]string{}}
	var all []*manifest.Record
	for _, sv := range subvols {
		l, err := cat.List(ctx, host, sv)
		if err != nil {
			return nil, t, err
		}
		for _, e := range l.Entries {
			if e.Trusted {
				all = append(all, e.Record)
				t.of[e.Snapshot] = e.How
				continue
			}
			t.lines = append(t.lines, fmt.Sprintf("UNTRUSTED %s (%s): %s: never restored or verified", e.Snapshot, e.Object, e.Reason))
		}
		if len(l.Missing) > 0 {
			var names []string
			for _, m := range l.Missing {
				names = append(names, m.Snapshot)
			}
			t.lines = append(t.lines, fmt.Sprintf("MISSING %s: expected by %s, not on the remote (deleted, or pruned after %s was written)",
				strings.Join(names, ", "), l.MissingBy, l.MissingBy))
		}
	}
	return all, t, nil
}
