package restore

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// inventory is what the remote holds of one subvolume: every object as
// listed, the records that could be read, and a failed check for each
// record that could not. Unlike Catalog.Records it goes on past a bad
// record, so that verify can report every one of them.
type inventory struct {
	objects    map[string]remote.Entry
	records    []*manifest.Record // readable and consistent, oldest first
	unreadable []*Check
	notes      []string
}

func (v *Verifier) inventory(ctx context.Context, host, subvol string) (*inventory, error) {
	entries, err := v.Store.List(ctx, path.Join(host, subvol))
	var dups *remote.DuplicatesError
	if errors.As(err, &dups) {
		// Reads of those names are arbitrary: worth saying, not fatal.
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", host, subvol, err)
	}
	inv := &inventory{objects: make(map[string]remote.Entry, len(entries))}
	if dups != nil {
		inv.notes = append(inv.notes, dups.Error())
	}
	parts, committed := map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		inv.objects[e.Name] = e
		_, _, snapshot, file, ok := remote.ParsePath(e.Name)
		switch {
		case !ok:
		case remote.IsRecord(file):
			committed[snapshot] = true
		default:
			parts[snapshot] = true
		}
	}
	if err := inv.judge(ctx, v, host, subvol); err != nil {
		return nil, err
	}
	for snapshot := range parts {
		if !committed[snapshot] {
			inv.notes = append(inv.notes, fmt.Sprintf("%s has parts but no record: an unfinished push (the next push resumes or removes it), or a lost record",
				remote.SnapshotDir(host, subvol, snapshot)))
		}
	}
	sort.Strings(inv.notes)
	sort.SliceStable(inv.records, func(i, j int) bool { return inv.records[i].Created.Before(inv.records[j].Created) })
	return inv, nil
}

// judge reads every record through the catalog: trusted records are
// checked, each untrusted one becomes a failed check naming it and why,
// and backups the newest trusted record expected but the remote lacks are
// noted.
func (inv *inventory) judge(ctx context.Context, v *Verifier, host, subvol string) error {
	l, err := v.List(ctx, host, subvol)
	if err != nil {
		return err
	}
	inv.records = l.Trusted()
	for _, e := range l.Untrusted() {
		c := &Check{Snapshot: e.Snapshot}
		c.fail(Problem{Snapshot: e.Snapshot, Object: e.Object, What: "untrusted: " + e.Reason, Untrusted: true})
		inv.unreadable = append(inv.unreadable, c)
	}
	if note := missingNote(l); note != "" {
		inv.notes = append(inv.notes, note)
	}
	return nil
}

// missingNote names the backups the newest trusted record expected that
// the remote does not hold, or is "".
func missingNote(l *Listing) string {
	if len(l.Missing) == 0 {
		return ""
	}
	var names []string
	for _, m := range l.Missing {
		names = append(names, m.Snapshot)
	}
	return fmt.Sprintf("missing: %s expected %s on the remote, which does not hold them (deleted, or pruned after %s was written)",
		l.MissingBy, strings.Join(names, ", "), l.MissingBy)
}
