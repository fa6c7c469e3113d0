package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// browser reads the file indexes of one host's trusted backups for ls,
// find, diff and cat.
type browser struct {
	a    *app
	cat  *restore.Catalog
	host string
	recs map[string][]*manifest.Record // trusted records by subvolume
	// indexes read so far, by snapshot: diff builds two trees that share
	// ancestors and reads each index once.
	indexes map[string]*index.Index
}

func (a *app) browser(ctx context.Context, identity, host string) (*browser, error) {
	cat, err := a.catalog(ctx, identity)
	if err != nil {
		return nil, err
	}
	cat.IndexCache = filepath.Join(a.cfg.StateDir, "cache", "index")
	liftMemoryLimit()
	return &browser{a: a, cat: cat, host: a.hostOr(host), recs: map[string][]*manifest.Record{}, indexes: map[string]*index.Index{}}, nil
}

func (b *browser) records(ctx context.Context, subvol string) ([]*manifest.Record, error) {
	if recs, ok := b.recs[subvol]; ok {
		return recs, nil
	}
	recs, err := b.cat.Records(ctx, b.host, subvol)
	if err != nil {
		return nil, err
	}
	b.recs[subvol] = recs
	return recs, nil
}

// resolve turns SNAPSHOT (a backup's name, "latest" or "SUBVOL:latest")
// into a trusted record.
func (b *browser) resolve(ctx context.Context, spec string) (*manifest.Record, error) {
	subvol, name := "", spec
	switch {
	case strings.HasSuffix(spec, ":latest"):
		subvol, name = strings.TrimSuffix(spec, ":latest"), ""
	case spec == "" || spec == "latest":
		if len(b.a.cfg.Subvolumes) != 1 {
			return nil, errs.Userf("which subvolume's latest backup? say SUBVOL:latest, e.g. %s:latest", b.firstSubvol())
		}
		subvol, name = b.a.cfg.Subvolumes[0].Name, ""
	default:
		sv, _, err := manifest.ParseSnapshotName(spec)
		if err != nil {
			return nil, b.notABackup(ctx, spec)
		}
		subvol = sv
	}
	recs, err := b.records(ctx, subvol)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, errs.Userf("no trusted backups of %s on host %s (see argo-backup list)", subvol, b.host)
	}
	rec, err := manifest.Select(recs, name, zeroTime())
	if err != nil {
		if why := b.untrusted(ctx, subvol, name); why != "" {
			return nil, errs.Damagef("%s", why)
		}
		return nil, errs.User(err)
	}
	return rec, nil
}

// notABackup is the error for spec, which is no backup's whole name: it
// offers the backups spec begins (home.2026 is the start of many), or the
// nearest names; the example only when there is nothing to offer.
func (b *browser) notABackup(ctx context.Context, spec string) error {
	if names := b.suggest(ctx, spec); len(names) > 0 {
		return errs.Userf("%q is not a backup name: did you mean %s? (give a whole name as list shows it, latest or SUBVOL:latest)", spec, strings.Join(names, ", "))
	}
	return errs.Userf("%q is not a backup: give a name as list shows it (e.g. %s.20261101T020000Z), latest or SUBVOL:latest", spec, b.firstSubvol())
}

// suggest returns the trusted backups worth offering for spec, of the
// subvolume its name starts with (manifest.Suggest).
func (b *browser) suggest(ctx context.Context, spec string) []string {
	subvol := spec
	if dot := strings.LastIndexByte(spec, '.'); dot > 0 {
		subvol = spec[:dot]
	}
	if remote.CheckName("subvolume", subvol) != nil {
		return nil
	}
	recs, err := b.records(ctx, subvol)
	if err != nil {
		return nil
	}
	return manifest.Suggest(recs, spec)
}

// notASnapshot is restore's error for a --snapshot that is no backup's
// whole name: the backups it begins or the nearest, as ls offers them,
// when the remote can be read; else the name's fault alone.
func (a *app) notASnapshot(ctx context.Context, f restoreFlags, parseErr error) error {
	if b, err := a.browser(ctx, f.identity, f.host); err == nil {
		if names := b.suggest(ctx, f.snapshot); len(names) > 0 {
			return errs.Userf("--snapshot %q is not a backup name: did you mean %s?", f.snapshot, strings.Join(names, ", "))
		}
	}
	return errs.Userf("--snapshot %q: %v", f.snapshot, parseErr)
}

// untrusted says why a backup named name is on the remote but not used,
// or "" when there is no such record: "no backup named" would send a user
// looking for a typo where there is a forgery.
func (b *browser) untrusted(ctx context.Context, subvol, name string) string {
	if name == "" {
		return ""
	}
	l, err := b.cat.List(ctx, b.host, subvol)
	if err != nil {
		return ""
	}
	for _, e := range l.Untrusted() {
		if e.Snapshot == name {
			return fmt.Sprintf("%s (%s) is not trusted: %s: it is never read (see argo-backup list)", name, e.Object, e.Reason)
		}
	}
	return ""
}

func (b *browser) firstSubvol() string {
	if len(b.a.cfg.Subvolumes) > 0 {
		return b.a.cfg.Subvolumes[0].Name
	}
	return "home"
}

// tree returns a backup's tree from the indexes of its chain.
func (b *browser) tree(ctx context.Context, rec *manifest.Record) (*index.Tree, error) {
	recs, err := b.records(ctx, rec.Subvolume)
	if err != nil {
		return nil, err
	}
	chain, err := manifest.Chain(recs, rec.Snapshot)
	if err != nil {
		return nil, err
	}
	t := index.NewTree()
	for _, r := range chain {
		ix, err := b.index(ctx, r)
		if err != nil {
			return nil, err
		}
		if err := t.Apply(ix); err != nil {
			return nil, errs.Damagef("file index of %s: %v", r.Snapshot, err)
		}
	}
	return t, nil
}

// index returns the decoded index of backup r, read once per command.
func (b *browser) index(ctx context.Context, r *manifest.Record) (*index.Index, error) {
	if ix := b.indexes[r.Snapshot]; ix != nil {
		return ix, nil
	}
	ix, err := b.cat.Index(ctx, b.host, r)
	if err != nil {
		return nil, err
	}
	b.indexes[r.Snapshot] = ix
	return ix, nil
}

// advance moves h to backup rec: by rec's index alone when rec follows
// the backup h is at (find --all, oldest first), else along rec's whole
// chain from its full.
func (b *browser) advance(ctx context.Context, h *index.History, rec *manifest.Record) error {
	chain := []*manifest.Record{rec}
	if rec.Parent != "" && rec.Parent != h.Tree().Head.Snapshot {
		recs, err := b.records(ctx, rec.Subvolume)
		if err != nil {
			return err
		}
		if chain, err = manifest.Chain(recs, rec.Snapshot); err != nil {
			return err
		}
	}
	for _, r := range chain {
		// Not kept in b.indexes: h keeps the records it still needs, and a
		// year of indexes whose directories of 100,000 entries changed
		// weekly would otherwise stay in memory to the end.
		ix := b.indexes[r.Snapshot]
		if ix == nil {
			var err error
			if ix, err = b.cat.Index(ctx, b.host, r); err != nil {
				return err
			}
		}
		if err := h.Apply(ix); err != nil {
			return errs.Damagef("file index of %s: %v", r.Snapshot, err)
		}
	}
	return nil
}

// lookup returns the node at path, a user error naming nearby names when
// the backup lacks it.
func lookup(t *index.Tree, rec *manifest.Record, path string) (*index.Node, error) {
	n, err := t.Lookup(path)
	if nf, ok := err.(*index.NotFoundError); ok {
		return nil, errs.Userf("%s: %v", rec.Snapshot, nf)
	}
	return n, err
}

// zeroTime is "no --at": Select's newest.
func zeroTime() time.Time { return time.Time{} }
