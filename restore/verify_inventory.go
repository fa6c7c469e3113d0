package restore

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"

	"github.com/argo-backup/argo-backup/crypto"
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
			if err := inv.readRecord(ctx, v, snapshot, e.Name); err != nil {
				return nil, err
			}
		default:
			parts[snapshot] = true
		}
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

// readRecord adds the record object name of snapshot to inv, or a failed
// check naming it. Only a cancellation is returned as an error.
func (inv *inventory) readRecord(ctx context.Context, v *Verifier, snapshot, name string) error {
	rec, err := v.openRecord(ctx, snapshot, name)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		c := &Check{Snapshot: snapshot}
		c.fail(Problem{Snapshot: snapshot, Object: name, What: err.Error()})
		inv.unreadable = append(inv.unreadable, c)
		return nil
	}
	inv.records = append(inv.records, rec)
	return nil
}

// openRecord reads, decrypts, decodes and checks one record, saying which
// of these failed.
func (v *Verifier) openRecord(ctx context.Context, snapshot, name string) (*manifest.Record, error) {
	sealed, err := v.Store.ReadAll(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("record cannot be read: %w", err)
	}
	data, err := crypto.Decrypt(v.Identities, sealed)
	if err != nil {
		return nil, fmt.Errorf("record does not decrypt (damaged, or not for this identity): %w", err)
	}
	rec, err := manifest.DecodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("record does not decode: %w", err)
	}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	if rec.Snapshot != snapshot {
		return nil, fmt.Errorf("the record is of %s, not of the snapshot it is stored under", rec.Snapshot)
	}
	return rec, nil
}
