package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
)

type restoreFlags struct {
	to        string
	layout    bool // restore --layout (cmd_restore_layout.go)
	dryRun    bool
	snapshot  string
	at        string
	host      string
	identity  string
	keepChain bool
	writable  string
	net       networkFlags
	unsigned  bool
	native    bool
	json      bool
	paths     []string // restore --path (restore_paths.go)
}

func newRestoreCommand(g *globals) *cobra.Command {
	var f restoreFlags
	cmd := &cobra.Command{
		Use:   "restore --to DIR [SUBVOL...]",
		Short: "Replay backups into a directory, on btrfs or any filesystem (disaster recovery)",
		Long: `restore resolves the chain from the newest full backup to the target and
replays it with btrfs receive into DIR, oldest first, checking every part and
every received UUID. The result is DIR/<snapshot>, read-only; --writable also
makes a writable snapshot of it, ready to become @ or @home. With no SUBVOL,
every subvolume of the host is restored. Needs the identity.

When DIR is not on btrfs (ext4, xfs, tmpfs, NFS...), or with --native, the
streams are applied by argo-backup itself into DIR/<snapshot> as a plain
directory tree (no subvolume, no received UUID): contents, holes, modes,
owners (as root), xattrs, hardlinks, symlinks, devices (as root) and mtimes.
It needs no root; what a normal user cannot restore is reported.`,
		Example: `  argo-backup restore --to /mnt/new                       # everything, newest
  argo-backup restore --layout --dry-run --to /mnt/new     # the plan for the whole machine
  argo-backup restore --layout --to /mnt/new               # @, @home, ... ready for the old fstab
  argo-backup restore --to /mnt/new home --at 2026-11-20   # home as it was then
  argo-backup restore --to /mnt/new --snapshot root.20261125T020000Z --writable @
  argo-backup restore --to /mnt/new --host desktop root    # another machine's backup
  argo-backup restore --to /media/ext4disk home            # onto a non-btrfs disk
  argo-backup restore --path /me/thesis --to ~/rescued home  # one directory, any filesystem`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.restore(cmd, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "directory to restore into (required): on btrfs received as subvolumes, on any other filesystem (or with --native) applied as plain directories, e.g. --to /mnt/new")
	fl.BoolVar(&f.layout, "layout", false, "rebuild the old filesystem layout on an empty btrfs top level: @, @home, ... writable, plus empty subvolumes for the rest of the old fstab")
	fl.BoolVar(&f.dryRun, "dry-run", false, "with --layout: print the plan (and the mkfs.btrfs -U that keeps fstab valid), change nothing")
	fl.StringVar(&f.snapshot, "snapshot", "", "restore this snapshot, e.g. --snapshot home.20261125T020000Z")
	fl.StringVar(&f.at, "at", "", "restore the newest backup taken at or before this time, e.g. --at 2026-11-20 or --at 2026-11-20T18:00:00Z")
	fl.StringVar(&f.host, "host", "", "restore another host's backups, e.g. --host desktop (default: host from the config)")
	fl.StringVar(&f.identity, "identity", "", "age identity file, e.g. --identity /media/usb/identity.txt (default: identity from the config)")
	fl.BoolVar(&f.keepChain, "keep-chain", false, "keep the intermediate received snapshots instead of deleting them")
	fl.BoolVar(&f.unsigned, "trust-unsigned", false, "with --snapshot: restore that backup even if it is unsigned and no signed backup endorses it (made before signing, by a host that never pushed since)")
	fl.StringVar(&f.writable, "writable", "", "also make a writable snapshot of the result with this name, e.g. --writable @home")
	addNetworkFlags(cmd, &f.net)
	fl.BoolVar(&f.json, "json", false, "print what was restored as JSON for scripts: per subvolume the path, method (btrfs-receive or native), stages, bytes and what a native restore could not reproduce")
	fl.StringArrayVar(&f.paths, "path", nil, "restore only this file or directory (inside the subvolume) into DIR/<snapshot>/PATH, from the file index; repeatable, e.g. --path /me/thesis")
	fl.BoolVar(&f.native, "native", false, "apply the streams natively into a plain directory even on btrfs (the default on other filesystems)")
	return cmd
}

func (a *app) restore(cmd *cobra.Command, names []string, f restoreFlags) error {
	ctx := cmd.Context()
	target, err := f.target()
	if err != nil {
		return err
	}
	if f.to == "" {
		return errs.Userf("restore needs --to DIR: a directory on the new btrfs (or any filesystem), e.g. --to /mnt/new")
	}
	if f.layout && f.json {
		return errs.Userf("--json is not available with --layout: drop --json (the plan and the result are printed as text)")
	}
	if f.layout {
		return a.restoreLayout(ctx, names, target, f)
	}
	if len(f.paths) > 0 {
		return a.restorePaths(ctx, names, f)
	}
	if f.dryRun {
		return errs.Userf("--dry-run goes with --layout: restore --layout --dry-run --to DIR")
	}
	if f.snapshot != "" && len(names) == 0 {
		subvol, _, err := manifest.ParseSnapshotName(f.snapshot)
		if err != nil {
			return a.notASnapshot(ctx, f, err)
		}
		names = []string{subvol}
	}
	if f.snapshot != "" && len(names) > 1 {
		return errs.Userf("--snapshot names one backup: give at most one SUBVOL with it")
	}
	if f.writable != "" && len(names) != 1 {
		return errs.Userf("--writable needs exactly one SUBVOL to restore")
	}
	native, err := restore.NativeTarget(f.to, f.native)
	if err != nil {
		return err
	}
	if f.writable != "" && native {
		return errs.Userf("--writable makes a btrfs snapshot; a native restore (--native or a non-btrfs --to) is already a writable directory: leave --writable out")
	}
	if !native {
		if err := requireRoot("restore onto btrfs (or add --native)"); err != nil {
			return err
		}
	}
	host := a.hostOr(f.host)
	cat, err := a.catalog(ctx, f.identity)
	if err != nil {
		return err
	}
	all := len(names) == 0
	if all {
		if names, err = a.remoteSubvolumes(ctx, cat, host); err != nil {
			return err
		}
	}
	transfers, unlimit, err := a.network(ctx, f.net, false)
	if err != nil {
		return err
	}
	defer unlimit()
	r := &restore.Restorer{Catalog: *cat, Log: a.log, Ahead: transfers,
		Notify: func(msg string) { fmt.Fprintf(a.stderr, "warning: %s\n", msg) }}
	if restoreTestHook != nil {
		restoreTestHook(r)
	}
	if bar := a.progress(); bar != nil {
		r.Progress = bar
	}
	var results []restoreResult
	for _, subvol := range names {
		rec, err := r.Restore(ctx, host, subvol, target, f.to, restore.Options{KeepChain: f.keepChain, Writable: f.writable, Native: f.native})
		if all && errors.Is(err, restore.ErrNoTrusted) {
			fmt.Fprintf(a.stderr, "warning: %s: skipped: %v\n", subvol, err)
			results = append(results, restoreResult{Subvolume: subvol, Skipped: err.Error()})
			continue
		}
		if err != nil {
			if f.json {
				printRestoreJSON(a.stdout, results) // what was restored before the error
			}
			return fmt.Errorf("restore %s: %w", subvol, err)
		}
		if f.json {
			results = append(results, newRestoreResult(subvol, f.to, rec, r, f.writable))
			continue
		}
		how := ""
		if r.NativeReport != nil {
			how = " natively, as a plain directory (no subvolume, no received UUID),"
		}
		verb := "restored"
		if r.AlreadyRestored {
			verb = "already restored (by an earlier run; nothing done)"
		}
		fmt.Fprintf(a.stdout, "%s: %s %s (taken %s, %s, depth %d)%s into %s\n", subvol, verb, rec.Snapshot,
			rec.Created.Format(time.RFC3339), ageOf(time.Since(rec.Created)), rec.Depth, how, filepath.Join(f.to, rec.Snapshot))
		if r.NativeReport != nil {
			printNativeReport(a.stdout, subvol, r.NativeReport)
		}
		if f.writable != "" {
			fmt.Fprintf(a.stdout, "%s: writable snapshot %s made of it\n", subvol, filepath.Join(f.to, f.writable))
		}
	}
	if f.json {
		return printRestoreJSON(a.stdout, results)
	}
	return nil
}

func (a *app) remoteSubvolumes(ctx context.Context, cat *restore.Catalog, host string) ([]string, error) {
	names, err := cat.Subvolumes(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(names) > 0 {
		return names, nil
	}
	hosts, _ := cat.Hosts(ctx)
	return nil, errs.Userf("no backups of host %q on the remote (hosts there: %s): pass --host", host, quoted(hosts))
}

// target parses --snapshot and --at.
func (f restoreFlags) target() (restore.Target, error) {
	if f.snapshot != "" && f.at != "" {
		return restore.Target{}, errs.Userf("give --snapshot or --at, not both")
	}
	if f.unsigned && f.snapshot == "" {
		return restore.Target{}, errs.Userf("--trust-unsigned needs --snapshot NAME: an unsigned backup is never restored as the newest")
	}
	t := restore.Target{Snapshot: f.snapshot, TrustUnsigned: f.unsigned}
	if f.at != "" {
		at, err := parseTime(f.at)
		if err != nil {
			return t, err
		}
		t.At = at
	}
	return t, nil
}

// parseTime accepts RFC 3339 and the shorter forms people type; times
// without a zone are local time.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Nanosecond), nil // the whole day
	}
	return time.Time{}, errs.Userf("--at %q is not a time: write it like 2026-11-20, 2026-11-20 18:00 or 2026-11-20T18:00:00Z", s)
}

// quoted lists names for a message: "a", "b", or none.
func quoted(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// howOld says how old a backup is, in the largest unit that fits.
// ageOf says how old a backup is, and loudly when its date is ahead of
// this machine's clock: a wrong clock, or a record nobody here wrote.
func ageOf(d time.Duration) string {
	if d < -time.Minute {
		return howOld(-d) + " IN THE FUTURE: check this machine's clock"
	}
	return howOld(d) + " old"
}

func howOld(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute")
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour")
	}
	return plural(int(d.Hours()/24), "day")
}
