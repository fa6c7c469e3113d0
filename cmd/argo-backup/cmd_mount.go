package main

import (
	"context"
	"fmt"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/mount"
)

func newMountCommand(g *globals) *cobra.Command {
	var f browseFlags
	var cacheSize string
	cmd := &cobra.Command{
		Use:   "mount DIR [SUBVOL...]",
		Short: "Browse every backup as a read-only filesystem (FUSE)",
		Long: `mount shows every trusted backup as DIR/<subvol>/<snapshot>/..., read-only.
Listing reads only the file indexes; reading a file downloads only the parts
that hold its bytes, once: the parts read are kept, decrypted, in
state_dir/cache/mount (at most --cache-size, the least recently used go
first) and removed on unmount. It runs until Ctrl-C or 'fusermount -u DIR'.
DIR must be an empty directory; FUSE (the fuse module and fusermount) is
needed.`,
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
			limit, err := parseCacheSize(cacheSize)
			if err != nil {
				return err
			}
			return a.mount(cmd.Context(), args[0], args[1:], f, limit)
		},
	}
	f.common(cmd)
	// 1GiB: the parts of the files one browses, small beside a disk.
	cmd.Flags().StringVar(&cacheSize, "cache-size", "1GiB",
		"disk kept for the parts read, decrypted, in state_dir (0: none), e.g. --cache-size 4GiB")
	return cmd
}

// parseCacheSize reads --cache-size.
func parseCacheSize(s string) (int64, error) {
	n, err := humanize.ParseBytes(s)
	if err != nil || n > 1<<62 {
		return 0, errs.Userf("--cache-size %q is not a size: write it like 4GiB, or 0 for no cache", s)
	}
	return int64(n), nil
}

func (a *app) mount(ctx context.Context, dir string, names []string, f browseFlags, cacheSize int64) error {
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
	logErr := func(msg string, err error) { a.log.Error(msg, "error", err) }
	src := &mount.Source{Catalog: b.cat, Host: b.host, Subvols: names, Log: logErr}
	if cacheSize > 0 {
		cache, err := mount.OpenDiskCache(a.cfg.StateDir, cacheSize, logErr)
		switch {
		case err != nil: // e.g. a user browsing with root's state_dir: still mount
			a.log.Warn("mounting without a disk cache: a part read again is downloaded again (--cache-size 0 says so quietly)", "error", err)
		default:
			defer func() { // its plaintext goes with the mount
				if err := cache.Close(); err != nil {
					logErr("remove the mount cache", err)
				}
			}()
			src.Cache = cache
		}
	}
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
