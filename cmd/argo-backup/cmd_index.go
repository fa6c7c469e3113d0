package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

func newIndexCommand(g *globals) *cobra.Command {
	var rebuild bool
	var identity string
	cmd := &cobra.Command{
		Use:   "index --rebuild [SUBVOL...]",
		Short: "Make file indexes for backups pushed without one",
		Long: `index --rebuild makes the file index (what ls, find, diff, cat and
restore --path read) of every backup of this host that has none: pushed
before indexes existed, or whose parent had no index. It downloads and
parses each such backup's stream once, oldest first, and stores the index
signed with this host's signing key: it runs on the host that pushed (it
needs the identity to read the streams, and the signing key to sign).`,
		Example: `  argo-backup index --rebuild
  argo-backup index --rebuild home`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !rebuild {
				return errs.Userf("index needs --rebuild: argo-backup index --rebuild [SUBVOL...]")
			}
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.rebuildIndexes(cmd.Context(), args, identity)
		},
	}
	cmd.Flags().BoolVar(&rebuild, "rebuild", false, "make the missing indexes")
	cmd.Flags().StringVar(&identity, "identity", "", "age identity file, e.g. --identity ~/identity.txt")
	return cmd
}

func (a *app) rebuildIndexes(ctx context.Context, names []string, identity string) error {
	if err := a.requireSigningKey(); err != nil {
		return err
	}
	p, err := a.pusher(ctx)
	if err != nil {
		return errs.Userf("index --rebuild signs the indexes it makes, as push signs records: it needs this host's (%s) signing key, certified: %v", a.cfg.Host, err)
	}
	b, err := a.browser(ctx, identity, "")
	if err != nil {
		return err
	}
	b.cat.IndexCache = "" // whether the remote has a good index is the question
	svs, err := a.subvolumes(names)
	if err != nil {
		return err
	}
	made, failed := 0, 0
	var lastErr error
	for _, sv := range svs {
		recs, err := b.records(ctx, sv.Name)
		if err != nil {
			return err
		}
		for _, rec := range recs { // oldest first: a parent is indexed before its children
			_, err := b.cat.Index(ctx, b.host, rec)
			switch {
			case err == nil:
				continue // it has a good one
			case rec.Index != nil: // the signed record pins that index: another cannot replace it
				fmt.Fprintf(a.stdout, "cannot rebuild the index of %s, which its record names: %v\n", rec.Snapshot, err)
				failed, lastErr = failed+1, err
				continue
			case !errs.IsUser(err):
				a.log.Warn("replacing an index that is refused", "snapshot", rec.Snapshot, "why", err)
			}
			if err := a.rebuildIndex(ctx, b, p, recs, rec); err != nil {
				return err
			}
			made++
		}
	}
	fmt.Fprintf(a.stdout, "%d index(es) made\n", made)
	if failed > 0 {
		return fmt.Errorf("%d backup(s) keep an index that cannot be rebuilt (listed above); the last: %w", failed, lastErr)
	}
	return nil
}

// rebuildIndex makes, stores and reports the index of rec, which has none.
func (a *app) rebuildIndex(ctx context.Context, b *browser, p *backup.Pusher, recs []*manifest.Record, rec *manifest.Record) error {
	var parent *index.Tree
	var err error
	if rec.Parent != "" {
		if parent, err = b.cat.Tree(ctx, b.host, recs, rec.Parent); err != nil {
			return fmt.Errorf("index %s: its parent's tree: %w", rec.Snapshot, err)
		}
	}
	ix, err := b.cat.BuildIndex(ctx, rec, parent)
	if err != nil {
		return err
	}
	if _, err := p.StoreIndex(ctx, ix); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "indexed %s (%d inodes)\n", rec.Snapshot, len(ix.Nodes))
	return nil
}

// requireSigningKey refuses to run without this host's signing key. An
// index is signed like a record, by the key certified for the host that
// pushed; push makes a missing key on a machine that holds the identity
// (one that predates signing), but index --rebuild runs where a user
// expects the host's key, and quietly making and certifying a second
// one (and rewriting its certificate file) is not what they asked for.
func (a *app) requireSigningKey() error {
	path := a.cfg.SigningKey
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return errs.Userf("index --rebuild signs the indexes it makes with this host's (%s) signing key, and %s does not exist: "+
			"run it on the host that pushes, copy that host's key there, or make and certify one with 'argo-backup keygen --signing-only' (then, where the identity is, the certify command it prints)",
			a.cfg.Host, path)
	} else if err != nil {
		return errs.Userf("index --rebuild needs this host's signing key %s: %v", path, err)
	}
	return nil
}
