package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/mount"
)

func newMountCommand(g *globals) *cobra.Command {
	var f browseFlags
	cmd := &cobra.Command{
		Use:   "mount DIR [SUBVOL...]",
		Short: "Browse every backup as a read-only filesystem (FUSE)",
		Long: `mount shows every trusted backup as DIR/<subvol>/<snapshot>/..., read-only.
Listing reads only the file indexes; reading a file downloads only the parts
that hold its bytes. It runs until Ctrl-C or 'fusermount -u DIR'. DIR must
be an empty directory; FUSE (the fuse module and fusermount) is needed.`,
		Example: `  mkdir -p ~/backups && argo-backup mount ~/backups &
  ls ~/backups/home/
  cp ~/backups/home/home.20261101T020000Z/me/thesis/chapter1.txt .
  fusermount -u ~/backups`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return errs.Userf("%s needs DIR, an empty directory to mount on, e.g. argo-backup mount ~/backups", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.mount(cmd.Context(), args[0], args[1:], f)
		},
	}
	f.common(cmd)
	return cmd
}

func (a *app) mount(ctx context.Context, dir string, names []string, f browseFlags) error {
	if err := emptyDir(dir); err != nil {
		return err
	}
	if err := fuseAvailable(); err != nil {
		return err
	}
	b, err := a.browser(ctx, f.identity, f.host)
	if err != nil {
		return err
	}
	if names, err = mountSubvols(ctx, b, names); err != nil {
		return err
	}
	src := &mount.Source{Catalog: b.cat, Host: b.host, Subvols: names,
		Log: func(msg string, err error) { a.log.Error(msg, "error", err) }}
	server, err := mount.Mount(dir, src)
	if err != nil {
		return fmt.Errorf("mount %s: %w", dir, err)
	}
	fmt.Fprintf(a.stdout, "mounted the backups of %s on %s (read-only); Ctrl-C or 'fusermount -u %s' unmounts\n", b.host, dir, dir)
	done := make(chan struct{})
	go func() { server.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return a.unmount(server, dir, done)
	}
	return nil
}
