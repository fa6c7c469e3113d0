package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

type verifyFlags struct {
	snapshot string
	all      bool
	quick    bool
	deep     bool
	scratch  string
	json     bool
	native   bool
	host     string
	identity string
	net      networkFlags
	budget   string
}

// The daemon's verify.schedule runs the budgeted quick check of every
// subvolume (verify.budget), and verify.restore_schedule test-restores
// every subvolume's newest backup. A machine that only pushes has no
// identity to read its backups with: there the scheduled verify says so
// and does nothing.
func init() {
	scheduled := func(f verifyFlags) func(a *app) func(ctx context.Context, report func(any)) error {
		return func(a *app) func(ctx context.Context, report func(any)) error {
			return func(ctx context.Context, report func(any)) error {
				if !identityPresent(a.cfg.Identity) {
					a.log.Warn("scheduled verify skipped: no identity on this machine to read the backups with", "identity", a.cfg.Identity)
					return nil
				}
				names := a.backedUp()
				if len(names) == 0 {
					return nil // nothing to check yet: backedUp said so
				}
				return a.verifyLogged(ctx, names, f, report)
			}
		}
	}
	daemonVerify = func(a *app) func(ctx context.Context, report func(any)) error {
		return scheduled(verifyFlags{quick: true, budget: a.cfg.Verify.Budget})(a)
	}
	daemonVerifyRestore = scheduled(verifyFlags{})
}

// verifyLogged runs verify with its report going to the log, line by line:
// the daemon's output is the log (JSON in a service manager's journal).
func (a *app) verifyLogged(ctx context.Context, names []string, f verifyFlags, reportResult func(any)) error {
	var report bytes.Buffer
	g := *a.globals
	g.stdout = &report
	quiet := *a
	quiet.globals = &g
	quiet.daemonJob = true
	quiet.report = reportResult
	err := quiet.verify(ctx, names, f)
	for _, line := range strings.Split(strings.TrimSpace(report.String()), "\n") {
		if line != "" {
			a.log.Info("verify", "report", line)
		}
	}
	return err
}

func newVerifyCommand(g *globals) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [SUBVOL...]",
		Short: "Prove that backups restore (test restore on a loop device)",
		Long: `verify receives the chain of the newest backup of each subvolume (or of
--snapshot, or of --all) into a throw-away btrfs on a loop device, checking
every part's hashes and every received UUID, then tears it all down. --deep
also compares each received tree with the local snapshot while it exists.
--quick needs no filesystem and no root: every part is downloaded, decrypted,
decompressed and hash-checked, the send stream is parsed, and every backup's
parent must exist. --quick --budget checks every backup of every subvolume
from the listing (presence, size, hash where the remote lists one) and reads
back only the least recently checked parts, up to a size or a time; repeated
runs cover every part, and the report says how much is covered. --native
needs no root and no loop device either: the chain is applied by argo-backup
itself into a scratch directory (--scratch, else the temporary directory)
and checked, with --deep compared too. Exit status 3 means damage was found;
the report names the snapshot and the object. Needs the identity, or
--escrow and its passphrase.`,
		Example: `  argo-backup verify                      # newest backup of every subvolume
  argo-backup verify home --deep          # and compare with the local snapshot
  argo-backup verify --quick --all        # every backup, without root
  argo-backup verify --quick --budget 2GiB # a rotating share of every backup
  argo-backup verify --native --deep      # a real restore, without root or btrfs
  argo-backup verify --snapshot home.20261125T020000Z --scratch /var/tmp
  argo-backup verify --quick --escrow     # with the identity escrowed on the remote`,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := g.load()
			if err != nil {
				return err
			}
			return a.verify(cmd.Context(), args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.snapshot, "snapshot", "", "verify this backup and its chain, e.g. --snapshot home.20261125T020000Z")
	fl.BoolVar(&f.all, "all", false, "verify every backup, not only the newest")
	fl.BoolVar(&f.quick, "quick", false, "no loop device and no root: check objects, hashes and streams only")
	fl.BoolVar(&f.deep, "deep", false, "also compare each restored tree with the local snapshot, while it exists")
	fl.StringVar(&f.scratch, "scratch", "", "directory for the sparse test image, e.g. --scratch /var/tmp (default: state_dir)")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON for scripts")
	fl.BoolVar(&f.native, "native", false, "apply the chain natively into a scratch directory: no root, no loop device")
	fl.StringVar(&f.host, "host", "", "verify another host's backups, e.g. --host desktop")
	fl.StringVar(&f.budget, "budget", "", "with --quick: read back at most this much, least recently checked first, e.g. --budget 2GiB or --budget 20m")
	fl.StringVar(&f.identity, "identity", "", "age identity file, e.g. --identity /media/usb/identity.txt (default: identity from the config)")
	addNetworkFlags(cmd, &f.net)
	return cmd
}

func (f verifyFlags) check(names []string) ([]string, error) {
	switch {
	case f.snapshot != "" && f.all:
		return nil, errs.Userf("give --snapshot or --all, not both")
	case f.quick && f.deep:
		return nil, errs.Userf("--deep compares a restored tree, which --quick does not make: drop one of them")
	case f.quick && f.native:
		return nil, errs.Userf("--quick restores nothing and --native restores into a directory: drop one of them")
	case f.quick && f.scratch != "":
		return nil, errs.Userf("--quick makes no test image, so --scratch has no use: drop one of them")
	}
	if f.snapshot == "" {
		return names, nil
	}
	subvol, _, err := manifest.ParseSnapshotName(f.snapshot)
	if err != nil {
		return nil, errs.Userf("--snapshot %q: %v", f.snapshot, err)
	}
	if len(names) > 1 || (len(names) == 1 && names[0] != subvol) {
		return nil, errs.Userf("--snapshot %s is a backup of %s: give no other SUBVOL with it", f.snapshot, subvol)
	}
	return []string{subvol}, nil
}

func (a *app) verify(ctx context.Context, names []string, f verifyFlags) error {
	names, err := f.check(names)
	if err != nil {
		return err
	}
	var budget restore.Budget
	if f.budget != "" {
		if budget, err = f.checkBudget(); err != nil {
			return err
		}
	}
	if !f.quick && !f.native {
		if err := requireRoot("verify (without --quick or --native)"); err != nil {
			return err
		}
	}
	if f.identity == "" && a.cfg.Identity == "" && !a.escrow {
		return errs.Userf("verify reads the backups, which needs the identity: set identity in the config or pass --identity FILE")
	}
	host := a.hostOr(f.host)
	cat, err := a.catalog(ctx, f.identity)
	if errors.Is(err, remote.ErrNoRepository) && f.budget != "" && host == a.cfg.Host && len(a.backedUp()) == 0 {
		fmt.Fprintf(a.stdout, "nothing to check yet: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case len(names) > 0:
	case f.budget != "" && host == a.cfg.Host:
		names, err = a.budgetScope(ctx, cat, host)
	default:
		names, err = a.remoteSubvolumes(ctx, cat, host)
	}
	if err != nil {
		return err
	}
	transfers, unlimit, err := a.network(ctx, f.net, true)
	if err != nil {
		return err
	}
	defer unlimit()
	v := &restore.Verifier{Restorer: restore.Restorer{Catalog: *cat, Log: a.log, Ahead: transfers}, Scratch: f.scratch}
	if !f.json {
		if bar := a.progress(); bar != nil {
			v.Progress = bar
		}
	}
	if verifyTestHook != nil {
		verifyTestHook(v)
	}
	if f.native && f.scratch != "" {
		if v.Scratch, err = a.scratchDir(f.scratch); err != nil {
			return err
		}
	}
	if !f.quick && !f.native {
		if v.Scratch, err = a.scratchDir(f.scratch); err != nil {
			return err
		}
		sweepScratch(ctx, a.log, v.Scratch)
	}
	if f.budget != "" {
		return a.verifyBudget(ctx, v, host, names, budget, f.json)
	}
	var reports []*restore.Report
	for _, subvol := range names {
		rep, err := v.Verify(ctx, host, subvol, a.verifyOptions(host, subvol, f))
		if err != nil {
			return fmt.Errorf("verify %s: %w", subvol, err)
		}
		if err := a.noteLost(ctx, cat.Store, host, subvol, rep); err != nil {
			return fmt.Errorf("verify %s: %w", subvol, err)
		}
		reports = append(reports, rep)
		if !f.json {
			printReport(a, rep)
		}
	}
	a.reportResult(verifyJSON(reports))
	return a.verdict(reports, f.json)
}

func (a *app) verifyOptions(host, subvol string, f verifyFlags) restore.VerifyOptions {
	o := restore.VerifyOptions{Snapshot: f.snapshot, All: f.all, Quick: f.quick, Deep: f.deep, Native: f.native}
	if sv, err := a.cfg.Subvolume(subvol); err == nil && host == a.cfg.Host {
		o.LocalSnapshots = sv.SnapshotDir
	}
	return o
}

// verifyTestHook, when a test sets it (pause_test.go), changes every
// Verifier verify builds; the shipped binary never sets it.
var verifyTestHook func(*restore.Verifier)

// scratchDir is where the test image goes: --scratch, else state_dir.
func (a *app) scratchDir(flag string) (string, error) {
	if flag != "" {
		if fi, err := os.Stat(flag); err != nil || !fi.IsDir() {
			return "", errs.Userf("--scratch %s is not a directory: give an existing directory with room for the test image", flag)
		}
		return flag, nil
	}
	if err := os.MkdirAll(a.cfg.StateDir, 0o700); err != nil {
		return "", errs.Userf("state_dir %s: %v: fix state_dir or pass --scratch DIR", a.cfg.StateDir, err)
	}
	return a.cfg.StateDir, nil
}

func printReport(a *app, rep *restore.Report) {
	for _, c := range rep.Checks {
		for _, line := range c.Lines() {
			fmt.Fprintln(a.stdout, line)
		}
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(a.stdout, "note: %s\n", n)
	}
	for _, l := range rep.Lost {
		fmt.Fprintf(a.stdout, "LOST %s (this host pushed it; the remote no longer holds it whole)\n", l)
	}
}

// noteLost compares this host's own backups of subvol with the remote: what
// its state says it pushed and the remote no longer holds whole is named in
// the report. Only this host's state knows, so other hosts are not checked.
func (a *app) noteLost(ctx context.Context, store backup.Lister, host, subvol string, rep *restore.Report) error {
	if host != a.cfg.Host {
		return nil
	}
	recs, err := a.state().Records(host, subvol)
	if err != nil {
		return err
	}
	losses, err := backup.RemoteLosses(ctx, store, host, subvol, recs)
	for _, l := range losses {
		rep.Lost = append(rep.Lost, l.String())
	}
	return err
}

// verdict prints the JSON report if asked, and turns damage into exit 3.
func (a *app) verdict(reports []*restore.Report, asJSON bool) error {
	damaged, checked, lost := 0, 0, 0
	var seconds float64
	for _, r := range reports {
		seconds += r.Seconds
		lost += len(r.Lost)
		for _, c := range r.Checks {
			checked++
			if !c.OK() {
				damaged++
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(verifyJSON(reports)); err != nil {
			return err
		}
	} else if damaged == 0 && lost == 0 {
		fmt.Fprintf(a.stdout, "all %d backups verified in %s\n", checked, time.Duration(seconds*float64(time.Second)).Round(time.Second/10))
	}
	if lost > 0 {
		return errs.Damage(fmt.Errorf("%d backups this host pushed are gone from the remote or changed there (deleted or rolled back): see the report; the next push makes a full backup if needed", lost))
	}
	if damaged > 0 {
		return errs.Damage(fmt.Errorf("%d of %d backups checked are damaged, untrusted or cannot be restored: see the report (push --full makes a new chain)", damaged, checked))
	}
	return nil
}

// verifyJSONReport is what verify --json prints.
type verifyJSONReport struct {
	OK      bool              `json:"ok"`
	Reports []*restore.Report `json:"reports"`
}

func verifyJSON(reports []*restore.Report) verifyJSONReport {
	out := verifyJSONReport{OK: true, Reports: reports}
	if out.Reports == nil {
		out.Reports = []*restore.Report{}
	}
	for _, r := range reports {
		out.OK = out.OK && r.OK()
	}
	return out
}
