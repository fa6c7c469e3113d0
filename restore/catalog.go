package restore

import (
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// Catalog reads the records on a remote. Records are encrypted: reading
// them needs an identity.
type Catalog struct {
	Store      Store
	Identities []age.Identity

	free *partFree // plaintext part buffers; made by fetchParts
}

func (c *Catalog) opener() *crypto.Opener { return crypto.NewOpener(c.Identities) }

// Subvolumes lists the subvolume names a host has backups of: those with
// at least one committed record.
func (c *Catalog) Subvolumes(ctx context.Context, host string) ([]string, error) {
	entries, err := c.Store.List(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", host, err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		h, subvol, _, file, ok := remote.ParsePath(e.Name)
		if ok && h == host && remote.IsRecord(file) {
			seen[subvol] = true
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// Hosts lists the hosts that have a folder on the remote. It lists the top
// level only: a remote holds every part of every backup, and listing is
// recursive, so reading records to find hosts would walk all of it. The
// escrow folder (keys) is not a host.
func (c *Catalog) Hosts(ctx context.Context) ([]string, error) {
	dirs, err := c.Store.Dirs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("list remote: %w", err)
	}
	return slices.DeleteFunc(dirs, func(d string) bool { return remote.CheckName("host", d) != nil }), nil
}

// Records returns the committed backups of one subvolume, oldest first. A
// snapshot directory without a record is an unfinished push, not a backup.
func (c *Catalog) Records(ctx context.Context, host, subvol string) ([]*manifest.Record, error) {
	entries, err := c.Store.List(ctx, path.Join(host, subvol))
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", host, subvol, err)
	}
	var recs []*manifest.Record
	for _, e := range entries {
		if !strings.HasSuffix(e.Name, "/record.json.age") {
			continue
		}
		r, err := c.record(ctx, e.Name)
		if err != nil {
			return nil, err
		}
		recs = append(recs, r)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].Created.Before(recs[j].Created) })
	return recs, nil
}

func (c *Catalog) record(ctx context.Context, name string) (*manifest.Record, error) {
	sealed, err := c.Store.ReadAll(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read record %s: %w", name, err)
	}
	data, err := crypto.Decrypt(c.Identities, sealed)
	if err != nil {
		return nil, fmt.Errorf("open record %s: %w", name, err)
	}
	r, err := manifest.DecodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("record %s: %w", name, err)
	}
	return r, nil
}
