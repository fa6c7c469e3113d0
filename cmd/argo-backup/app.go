package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// app is one command's view of the configuration: it builds the packages'
// values from the config, and nothing else.
type app struct {
	*globals
	cfg *config.Config
	log *slog.Logger
	// skipIndex is push's hidden --skip-index (make bench only).
	skipIndex bool
	// daemonJob is set for the jobs the daemon runs, which share the
	// daemon's bandwidth limit.
	daemonJob bool
	// report takes a daemon job's --json report for the webhook; nil
	// outside the daemon.
	report func(any)
}

func (g *globals) load() (*app, error) {
	cfg, err := config.Load(g.configPath)
	if err != nil {
		return nil, err
	}
	if err := checkStateDir(cfg.StateDir); err != nil {
		return nil, err
	}
	setMemoryLimit(cfg, 1) // the daemon sets its own (cmd_daemon.go)
	log := g.logger()
	slog.SetDefault(log) // rclone logs through slog.Default: its records come out in the same format
	if g.verbose {
		remote.SetLogLevel(slog.LevelDebug) // rclone's per-request records too, retries included
	}
	for _, w := range cfg.Warnings {
		log.Warn("config: " + w)
	}
	return &app{globals: g, cfg: cfg, log: log}, nil
}

func requireRoot(what string) error {
	if os.Geteuid() != 0 {
		return errs.Userf("%s needs root (btrfs snapshots, send and receive need CAP_SYS_ADMIN): run it with sudo", what)
	}
	return nil
}

// recipients are needed to write backups; restore does not need them, so
// that a restore-only config on a live USB can leave them out.
func (a *app) recipients() ([]age.Recipient, error) {
	if len(a.cfg.Recipients) == 0 && a.cfg.RecipientsFile == "" {
		return nil, errs.Userf("no recipients: set recipients (the age1... line printed by 'argo-backup keygen') or recipients_file")
	}
	lines := append([]string(nil), a.cfg.Recipients...)
	if a.cfg.RecipientsFile != "" {
		more, err := crypto.ReadRecipientsFile(a.cfg.RecipientsFile)
		if err != nil {
			return nil, errs.Userf("recipients_file: %w", err)
		}
		lines = append(lines, more...)
	}
	rs, err := crypto.ParseRecipients(lines)
	if err != nil {
		return nil, errs.Userf("recipients: %w", err)
	}
	return rs, nil
}

// identities loads the identity file: the flag if given, else the config.
func (a *app) identities(flag string) ([]age.Identity, error) {
	path := a.cfg.Identity
	if flag != "" {
		path = flag
	}
	ids, err := crypto.LoadIdentities(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.Userf("identity file %s does not exist: reading backups needs the identity made by 'argo-backup keygen' (set identity or pass --identity FILE)", path)
	}
	if err != nil {
		return nil, errs.User(err)
	}
	return ids, nil
}

// store opens the remote. Only writers (create) may make a local remote
// directory: for the others a missing one is a mistyped path (exit 2).
func (a *app) store(ctx context.Context, create bool) (*remote.Store, error) {
	s, err := remote.Open(ctx, a.cfg.Remote, remote.Options{RcloneConfig: a.cfg.RcloneConfig, MustExist: !create, Log: a.log})
	if errors.Is(err, remote.ErrNoRepository) {
		return nil, errs.User(err) // it names the path
	}
	if err != nil {
		// remote.Open names the remote in its redacted form: never the raw
		// spec here, a connection string may carry credentials.
		return nil, errs.User(err)
	}
	return s, nil
}

// hostOr is the --host flag if given, else this machine's host.
func (a *app) hostOr(flag string) string {
	if flag != "" {
		return flag
	}
	return a.cfg.Host
}

// repository opens the remote and checks its format marker; create makes
// the marker on an empty remote (only writers do that).
func (a *app) repository(ctx context.Context, create bool) (*remote.Store, error) {
	st, err := a.store(ctx, create)
	if err != nil {
		return nil, err
	}
	if err := st.EnsureFormat(ctx, create); errors.Is(err, remote.ErrNoRepository) {
		return nil, errs.User(err) // a mistyped remote path: it names the remote
	} else if err != nil {
		return nil, err
	}
	return st, nil
}

func (a *app) state() backup.State { return backup.State{Dir: a.cfg.StateDir} }

func (a *app) subvolume(name string) (backup.Subvolume, error) { return a.cfg.Backup(name) }

// subvolumes resolves the names given on the command line, or all.
func (a *app) subvolumes(names []string) ([]backup.Subvolume, error) {
	if len(names) == 0 {
		for _, sv := range a.cfg.Subvolumes {
			names = append(names, sv.Name)
		}
	}
	if len(names) == 0 {
		return nil, errs.Userf("no subvolumes in the config: add one under subvolumes (see docs/configuration.md)")
	}
	var out []backup.Subvolume
	for _, n := range names {
		sv, err := a.subvolume(n)
		if err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	return out, nil
}

// pushTestHook, when a test sets it, changes every Pusher a command builds
// (kill_test.go stops pushes at a checkpoint with it). nil outside tests.
var pushTestHook func(*backup.Pusher)

// restoreTestHook is the same for the Restorer of `restore`
// (kill_restore_test.go). nil outside tests.
var restoreTestHook func(*restore.Restorer)

func (a *app) pusher(ctx context.Context) (*backup.Pusher, error) {
	rs, err := a.recipients()
	if err != nil {
		return nil, err
	}
	sealer, err := crypto.NewSealer(rs, a.cfg.CompressionLevel)
	if err != nil {
		return nil, err
	}
	signer, err := a.signer(ctx)
	if err != nil {
		return nil, err
	}
	st, err := a.repository(ctx, true)
	if err != nil {
		return nil, err
	}
	p := &backup.Pusher{
		Signer:           signer,
		Host:             a.cfg.Host,
		ToolVersion:      version,
		Store:            st,
		Sealer:           sealer,
		Recipients:       rs,
		State:            a.state(),
		PartSize:         int64(a.cfg.PartSize),
		CompressionLevel: a.cfg.CompressionLevel,
		SendCompressed:   a.cfg.SendCompressedData,
		Transfers:        a.cfg.Transfers,
		Log:              a.log,
	}
	p.RemoteRecords = a.remoteRecords(st)
	if bar := a.progress(); bar != nil {
		bar.estimated = true // a push's size is known only once sent
		p.Progress = bar
	}
	if pushTestHook != nil {
		pushTestHook(p)
	}
	return p, nil
}

func (a *app) catalog(ctx context.Context, identityFlag string) (*restore.Catalog, error) {
	if a.escrow {
		return a.escrowCatalog(ctx, identityFlag)
	}
	ids, err := a.identities(identityFlag)
	if err != nil {
		return nil, err
	}
	st, err := a.repository(ctx, false)
	if err != nil {
		return nil, err
	}
	return &restore.Catalog{Store: st, Identities: ids, Spool: a.cfg.StateDir}, nil
}

// reportResult hands a daemon job's report (what its command prints with
// --json) to the daemon, for the webhook.
func (a *app) reportResult(v any) {
	if a.report != nil {
		a.report(v)
	}
}
