package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/moby/sys/mountinfo"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/internal/config"
)

// finding is one line of the doctor's report.
type finding struct {
	level string // OK, WARN or FAIL
	what  string
	fix   string
}

type doctor struct {
	a        *app
	findings []finding
	identity string // --identity: prove this copy verifies and decrypts
}

func (d *doctor) ok(format string, args ...any) {
	d.findings = append(d.findings, finding{"OK", fmt.Sprintf(format, args...), ""})
}
func (d *doctor) warn(fix, format string, args ...any) {
	d.findings = append(d.findings, finding{"WARN", fmt.Sprintf(format, args...), fix})
}
func (d *doctor) fail(fix, format string, args ...any) {
	d.findings = append(d.findings, finding{"FAIL", fmt.Sprintf(format, args...), fix})
}

func newDoctorCommand(g *globals) *cobra.Command {
	var identity string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the set-up: tools, subvolumes, remote, keys",
		Long: `doctor checks everything a backup depends on and prints one line per
check: OK, WARN or FAIL with the fix. It writes one small probe object to
the remote (and deletes it) to prove the remote is writable. It exits 1 if
any check fails.

With --identity FILE it also proves that this copy of the identity (the one
in the drawer, say) checks the signatures of and decrypts the newest backup
of every subvolume of this host, and warns when two hosts' certificates
name one signing key (cloned machines must each make their own).`,
		Example: `  sudo argo-backup doctor
  argo-backup doctor --identity /media/usb/identity.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			d := &doctor{a: a, identity: identity}
			d.run(cmd.Context())
			return d.report()
		},
	}
	cmd.Flags().StringVar(&identity, "identity", "", "prove this identity file verifies and decrypts the newest backups, e.g. --identity /media/usb/identity.txt")
	return cmd
}

func (d *doctor) run(ctx context.Context) {
	d.checkRoot()
	d.checkTools(ctx)
	for _, sv := range d.a.cfg.Subvolumes {
		d.checkSubvolume(sv)
	}
	d.checkKeys()
	if !d.restoreOnly() {
		d.checkSigningKey() // only push signs
	}
	d.checkStateDir()
	d.checkScratch()
	for _, w := range d.a.cfg.ScheduleWarnings() {
		d.warn("", "%s", w)
	}
	if d.restoreOnly() {
		d.checkRepository(ctx)
	} else {
		d.checkRemote(ctx)
	}
	d.checkClock()
	d.checkCertificates(ctx)
	if d.identity != "" {
		d.checkIdentityCopy(ctx)
	}
}

func (d *doctor) report() error {
	failed := 0
	for _, f := range d.findings {
		line := fmt.Sprintf("%-4s  %s", f.level, f.what)
		if f.fix != "" {
			line += ": " + f.fix
		}
		fmt.Fprintln(d.a.stdout, line)
		if f.level == "FAIL" {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d check(s) failed", failed)
	}
	return nil
}

func (d *doctor) checkRoot() {
	if os.Geteuid() == 0 {
		d.ok("running as root")
		return
	}
	d.fail("run push, restore and the daemon as root (sudo)", "not running as root")
}

func (d *doctor) checkTools(ctx context.Context) {
	v, err := btrfs.ProgsVersion(ctx)
	if err != nil {
		d.fail("apt-get install btrfs-progs (or your distribution's package)", "btrfs-progs: %v", err)
		return
	}
	k, _ := btrfs.KernelVersion()
	if btrfs.SupportsProto2(ctx) {
		d.ok("btrfs-progs %s, kernel %s: send protocol 2 with compressed data", v, k)
		return
	}
	d.warn("btrfs-progs and kernel 6.0 or newer send already-compressed extents as they are, faster and smaller",
		"btrfs-progs %s, kernel %s: send protocol 1 only", v, k)
}

func (d *doctor) checkSubvolume(sv config.Subvolume) {
	info, err := btrfs.Info(sv.Path)
	if err != nil {
		d.fail("point path at a btrfs subvolume (btrfs subvolume list /)", "subvolume %s: %s: %v", sv.Name, sv.Path, err)
		return
	}
	d.ok("subvolume %s: %s (uuid %s)", sv.Name, sv.Path, info.UUID)
	d.checkSnapshotDir(sv)
	d.checkSnapper(sv)
	if opts := strings.Split(mountOf(sv.Path).Options, ","); !slices.Contains(opts, "noatime") {
		d.warn("mount it with noatime, or every read turns into changed metadata in each incremental",
			"subvolume %s: %s is mounted without noatime", sv.Name, sv.Path)
	}
}

func (d *doctor) checkSnapshotDir(sv config.Subvolume) {
	if sv.SnapshotDir == "" {
		return
	}
	dir := existingParent(sv.SnapshotDir)
	// statfs's fsid and st_dev differ per subvolume on btrfs; the mounted
	// device does not.
	src, dst := mountOf(sv.Path), mountOf(dir)
	if src.Source == "" || src.Source != dst.Source || dst.FSType != "btrfs" {
		d.fail("snapshots must live on the same btrfs as the subvolume", "subvolume %s: snapshot_dir %s is on another filesystem", sv.Name, sv.SnapshotDir)
		return
	}
	d.ok("subvolume %s: snapshot_dir %s on the same filesystem", sv.Name, sv.SnapshotDir)
}

// checkSnapper checks a snapper_config: that the config exists, that it
// manages this subvolume's path, and that snapper has snapshots to back up.
func (d *doctor) checkSnapper(sv config.Subvolume) {
	if sv.SnapperConfig == "" {
		return
	}
	b, err := d.a.cfg.Backup(sv.Name)
	if err != nil {
		d.fail("fix snapper_config", "%v", err)
		return
	}
	infos, _ := filepath.Glob(filepath.Join(b.SnapperDir, "*", "info.xml"))
	if len(infos) == 0 {
		d.fail(fmt.Sprintf("take one with 'snapper -c %s create', or check snapper's timeline", sv.SnapperConfig),
			"subvolume %s: snapper_config %s has no snapshots in %s", sv.Name, sv.SnapperConfig, b.SnapperDir)
		return
	}
	d.ok("subvolume %s: snapper_config %s, %d snapper snapshot(s) in %s", sv.Name, sv.SnapperConfig, len(infos), b.SnapperDir)
}

func existingParent(dir string) string {
	for {
		if _, err := os.Stat(dir); err == nil || dir == filepath.Dir(dir) {
			return dir
		}
		dir = filepath.Dir(dir)
	}
}

func (d *doctor) checkStateDir() {
	dir := existingParent(d.a.cfg.StateDir)
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		d.fail("check state_dir", "state_dir %s: %v", d.a.cfg.StateDir, err)
		return
	}
	free := st.Bavail * uint64(st.Bsize)
	if free < 256<<20 {
		d.warn("free some space: verify's scratch image and the journals live there", "state_dir %s: only %s free", d.a.cfg.StateDir, humanize.IBytes(free))
		return
	}
	d.ok("state_dir %s: %s free", d.a.cfg.StateDir, humanize.IBytes(free))
}

// checkScratch lists what killed verifies left in state_dir (the daemon
// removes those of dead processes at its start and before each verify).
func (d *doctor) checkScratch() {
	stale, err := btrfs.FindStale(d.a.cfg.StateDir)
	if err != nil {
		d.warn("", "state_dir %s: %v", d.a.cfg.StateDir, err)
		return
	}
	for _, s := range stale {
		fix := "the next verify or daemon start removes it"
		if !s.Remove {
			fix = "unmount (umount), detach (losetup -d) or delete it by hand if no verify is running"
		}
		d.warn(fix, "left by a killed verify: %s", s)
	}
	if len(stale) == 0 {
		d.ok("state_dir %s: nothing left by killed verifies", d.a.cfg.StateDir)
	}
}

func (d *doctor) checkClock() {
	now := time.Now()
	if now.Year() < 2025 {
		d.fail("set the clock (NTP): snapshot names and retention go by it", "the clock says %s", now.Format(time.RFC3339))
		return
	}
	for _, sv := range d.a.cfg.Subvolumes {
		recs, _ := d.a.state().Records(d.a.cfg.Host, sv.Name)
		if n := len(recs); n > 0 && recs[n-1].Created.After(now.Add(5*time.Minute)) {
			d.fail("set the clock (NTP): the newest backup is from the future", "clock %s is behind the newest backup %s", now.Format(time.RFC3339), recs[n-1].Snapshot)
			return
		}
	}
	d.ok("clock %s", now.UTC().Format(time.RFC3339))
}

// mountOf returns the mount holding path: the innermost one above it, or
// an empty Info if mountinfo cannot be read.
func mountOf(path string) *mountinfo.Info {
	above, err := mountinfo.GetMounts(func(m *mountinfo.Info) (skip, stop bool) {
		return !strings.HasPrefix(path+"/", strings.TrimSuffix(m.Mountpoint, "/")+"/"), false
	})
	best := &mountinfo.Info{}
	if err != nil {
		return best
	}
	for _, m := range above {
		if len(m.Mountpoint) >= len(best.Mountpoint) {
			best = m
		}
	}
	return best
}
