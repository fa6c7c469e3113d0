package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
)

// errNoMatch is find's "nothing matched": exit 1, as grep.
var errNoMatch = errors.New("no match")

func newFindCommand(g *globals) *cobra.Command {
	var f browseFlags
	cmd := &cobra.Command{
		Use:   "find PATTERN",
		Short: "Find files by name or glob in backups (reads file indexes only)",
		Long: `find prints every path whose name matches PATTERN (a glob such as '*.txt',
or a plain string the name contains; with a '/' the whole path is
matched), with size and mtime: in the latest backup of each subvolume,
in one backup (--snapshot), or in every backup (--all: a file's history).
It exits 1 when nothing matches, as grep does.`,
		Example: `  argo-backup find 'chapter*.txt'
  argo-backup find make.conf --all -l
  argo-backup find 'me/thesis/*' --snapshot home:latest --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errs.Userf("%s needs one PATTERN, e.g. argo-backup find '*.txt'", cmd.CommandPath())
			}
			if args[0] == "" {
				return errs.Userf("%s needs a PATTERN that is not empty (to list everything: argo-backup ls SNAPSHOT)", cmd.CommandPath())
			}
			if err := index.ValidPattern(args[0]); err != nil {
				return errs.Userf("pattern %q: %v (a literal *, ? or [ is written \\*, \\? or \\[)", args[0], err)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			if f.all && f.snapshot != "" {
				return errs.Userf("find takes --snapshot or --all, not both")
			}
			return a.find(cmd.Context(), args[0], f)
		},
	}
	f.common(cmd)
	cmd.Flags().StringVar(&f.snapshot, "snapshot", "", "search one backup: a name, latest or SUBVOL:latest")
	cmd.Flags().BoolVar(&f.all, "all", false, "search every backup, oldest first: the history of a file")
	cmd.Flags().BoolVarP(&f.long, "long", "l", false, "mode, owner, size and mtime")
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON object a line, for scripts")
	return cmd
}

func (a *app) find(ctx context.Context, pattern string, f browseFlags) (err error) {
	b, err := a.browser(ctx, f.identity, f.host)
	if err != nil {
		return err
	}
	targets, err := b.findTargets(ctx, f)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(a.stdout)
	defer func() {
		// A full disk or a closed pipe under find's output is an error,
		// not a short list that exits 0.
		if ferr := out.Flush(); err == nil && ferr != nil {
			err = fmt.Errorf("writing the output: %w", ferr)
		}
	}()
	lf := f
	lf.long = f.long || !f.json
	match := func(p string) bool { return index.Match(pattern, p) }
	found := 0
	var h *index.History
	for _, rec := range targets {
		if h == nil || h.Tree().Head.Subvol != rec.Subvolume {
			h = index.NewHistory(match)
		}
		if err := b.advance(ctx, h, rec); err != nil {
			return err
		}
		h.Matches(func(p string, n *index.Node) {
			found++
			printNode(out, p, n, lf, rec.Snapshot)
		})
	}
	if found == 0 {
		return fmt.Errorf("%w: nothing in %d backup(s) matches %q", errNoMatch, len(targets), pattern)
	}
	return nil
}

// findTargets returns the backups find searches.
func (b *browser) findTargets(ctx context.Context, f browseFlags) ([]*manifest.Record, error) {
	if f.snapshot != "" {
		rec, err := b.resolve(ctx, f.snapshot)
		return []*manifest.Record{rec}, err
	}
	var out []*manifest.Record
	for _, sv := range b.a.cfg.Subvolumes {
		recs, err := b.records(ctx, sv.Name)
		if err != nil {
			return nil, err
		}
		if f.all {
			out = append(out, recs...)
		} else if rec, err := manifest.Select(recs, "", zeroTime()); err == nil {
			out = append(out, rec)
		}
	}
	if len(out) == 0 {
		return nil, errs.Userf("no trusted backups on host %s to search (see argo-backup list)", b.host)
	}
	return out, nil
}

func newDiffCommand(g *globals) *cobra.Command {
	var f browseFlags
	cmd := &cobra.Command{
		Use:   "diff SNAP_A SNAP_B",
		Short: "Paths added, removed and changed between two backups (reads file indexes only)",
		Long: `diff compares two backups of one subvolume from their file indexes:
each path added (+), removed (-) or changed (M, with what changed:
type, content, mode, owner, xattrs, target).`,
		Example: `  argo-backup diff home.20261101T020000Z home:latest
  argo-backup diff home.20261101T020000Z home.20261108T020000Z --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return errs.Userf("%s needs two backups, e.g. argo-backup diff home.20261101T020000Z home:latest", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.diff(cmd.Context(), args[0], args[1], f)
		},
	}
	f.common(cmd)
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON object a line, for scripts")
	return cmd
}

func (a *app) diff(ctx context.Context, specA, specB string, f browseFlags) error {
	b, err := a.browser(ctx, f.identity, f.host)
	if err != nil {
		return err
	}
	var trees [2]*index.Tree
	var subvol string
	for i, spec := range []string{specA, specB} {
		rec, err := b.resolve(ctx, spec)
		if err != nil {
			return err
		}
		if i == 1 && rec.Subvolume != subvol {
			return errs.Userf("diff compares two backups of one subvolume: %s is of %s, %s of %s", specA, subvol, rec.Snapshot, rec.Subvolume)
		}
		subvol = rec.Subvolume
		if trees[i], err = b.tree(ctx, rec); err != nil {
			return err
		}
	}
	changes, err := index.Diff(trees[0], trees[1])
	if err != nil {
		return err
	}
	for _, c := range changes {
		if f.json {
			json.NewEncoder(a.stdout).Encode(changeLine{index.Name(c.Path), c.What, c.How})
			continue
		}
		mark := map[string]string{"added": "+", "removed": "-", "changed": "M"}[c.What]
		how := ""
		if len(c.How) > 0 {
			how = " (" + strings.Join(c.How, ", ") + ")"
		}
		fmt.Fprintf(a.stdout, "%s %s%s\n", mark, c.Path, how)
	}
	return nil
}

// changeLine is one line of diff --json: index.Change with the path as an
// index.Name, so that a name that is not UTF-8 is {"base64": ...}, not
// mangled into U+FFFD.
type changeLine struct {
	Path index.Name `json:"path"`
	What string     `json:"change"`
	How  []string   `json:"how,omitempty"`
}
