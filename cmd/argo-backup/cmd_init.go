package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/config"
	"github.com/argo-backup/argo-backup/internal/errs"
)

type initFlags struct {
	nonInteractive bool
	rcloneConfig   string
	remote         string
	recipients     []string
	identity       string
	stateDir       string
	subvolumes     []string
	snapper        map[string]string // path -> snapper config to back up instead (the wizard asks)
}

var starterConfig = template.Must(template.New("config").Parse(`# argo-backup configuration. Every key is described in docs/configuration.md.
host: {{.Host}}
# Any rclone remote path ("gdrive:argo-backup") or a local directory.
remote: "{{.Remote}}"
{{- if .RcloneConfig}}
rclone_config: {{.RcloneConfig}}
{{- end}}
recipients:
{{- range .Recipients}}
  - "{{.}}"
{{- else}}
  [] # add the age1... line printed by 'argo-backup keygen'
{{- end}}
identity: {{.Identity}}
state_dir: {{.StateDir}}
compression_level: 3
part_size: 32MiB
send_compressed_data: true
subvolumes:
{{- range .Subvolumes}}
  - name: {{.Name}}
    path: {{.Path}}
    snapshot_dir: {{.SnapshotDir}}
{{- if .SnapperConfig}}
    snapper_config: {{.SnapperConfig}}
{{- end}}
    schedule: "@daily"
    # A full each quarter, then one backup a month, a week and a day built on
    # the level above: half the remote storage of a 30-day chain, and a
    # restore replays at most 4 streams (docs/prune.md has the numbers).
    parents: tiered
    tiers: [quarter, month, week]
    keep_local: 2
    retention: {last: 7, daily: 14, weekly: 8, monthly: 12}
{{- else}}
  [] # e.g. - {name: home, path: /home, snapshot_dir: /.snapshots/argo-backup}
{{- end}}
verify:
  schedule: "@daily"           # read back a share of the remote (budget) each day
  budget: 2GiB
  restore_schedule: "@monthly" # test restore on a loop device
prune:
  schedule: "@daily"
`))

func newInitCommand(g *globals) *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Set up: pick subvolumes, make a key, choose a remote, write the config",
		Long: `init asks what to back up (it proposes the btrfs subvolumes mounted on
this machine, skipping snapshots and caches), creates the identity if there
is none and tells how to keep a recovery copy, offers the remotes in your
rclone.conf, writes the config to the --config path (never overwriting one)
and runs doctor. Enter takes the proposed answer; Ctrl-C or Ctrl-D leave
with nothing written.

With --non-interactive nothing is asked: subvolumes come from --subvolume
NAME=PATH (or, without any, every proposed one), each with its snapshots in
/.snapshots/argo-backup when that is on the same filesystem, else in
PATH/.snapshots/argo-backup (PATH/.argo-backup where snapper owns
PATH/.snapshots).`,
		Example: `  sudo argo-backup init
  argo-backup init --non-interactive --recipient age1... --remote gdrive:argo-backup --subvolume root=/ --subvolume home=/home`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.nonInteractive {
				return writeStarterConfig(g, f)
			}
			if !isTerminal(cmd.InOrStdin()) {
				return errs.Userf("init asks questions, and its input is not a terminal: run it on a terminal, or pass --non-interactive with flags")
			}
			return runWizard(cmd.Context(), g, f, bufio.NewReader(cmd.InOrStdin()), mountedProposals())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.nonInteractive, "non-interactive", false, "ask nothing: take everything from the flags, e.g. in a provisioning script")
	fl.StringVar(&f.rcloneConfig, "rclone-config", "", "rclone.conf holding the remote, e.g. --rclone-config /root/.config/rclone/rclone.conf (default: rclone's)")
	fl.StringVar(&f.remote, "remote", "", "rclone remote path, e.g. --remote gdrive:argo-backup (default: a directory under state_dir)")
	fl.StringArrayVar(&f.recipients, "recipient", nil, "age recipient, e.g. --recipient age1... (repeatable)")
	fl.StringVar(&f.identity, "identity", config.DefaultIdentityPath, "identity file for restore and verify")
	fl.StringVar(&f.stateDir, "state-dir", "/var/lib/argo-backup", "state directory")
	fl.StringArrayVar(&f.subvolumes, "subvolume", nil, "subvolume to back up as NAME=PATH, e.g. --subvolume home=/home (repeatable)")
	return cmd
}

type starterSubvolume struct{ Name, Path, SnapshotDir, SnapperConfig string }

func writeStarterConfig(g *globals, f initFlags) error {
	host, _ := os.Hostname()
	data := struct {
		Host, Remote, Identity, StateDir, RcloneConfig string
		Recipients                                     []string
		Subvolumes                                     []starterSubvolume
	}{Host: host, Remote: f.remote, Identity: f.identity, StateDir: f.stateDir, Recipients: f.recipients, RcloneConfig: f.rcloneConfig}
	if data.Remote == "" {
		data.Remote = filepath.Join(f.stateDir, "remote")
	}
	if len(f.subvolumes) == 0 {
		for _, p := range mountedProposals() {
			f.subvolumes = append(f.subvolumes, p.Name+"="+p.Path)
		}
	}
	snapper := snapperConfigs()
	for _, s := range f.subvolumes {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || !filepath.IsAbs(path) {
			return errs.Userf("--subvolume %q: write it as NAME=/absolute/path, e.g. home=/home", s)
		}
		dir, inside := proposedSnapshotDir(path, snapper)
		if inside {
			fmt.Fprintf(g.stderr, "note: snapshot_dir of %s is %s, inside the subvolume it snapshots (each snapshot then holds an empty folder per older one): "+
				"mount the filesystem's top level (mount -o subvolid=5 DEVICE /mnt/btrfs-top) and set snapshot_dir under it\n", name, dir)
		}
		data.Subvolumes = append(data.Subvolumes, starterSubvolume{name, path, dir, f.snapper[filepath.Clean(path)]})
	}
	if len(data.Recipients) == 0 {
		if ids, err := crypto.LoadIdentities(f.identity); err == nil {
			data.Recipients = crypto.Recipients(ids)
		}
	}
	if len(data.Recipients) == 0 {
		fmt.Fprintf(g.stderr, "note: no recipients yet: run 'argo-backup keygen -o %s' and put the recipient it prints in the config before the first push\n", f.identity)
	}
	for _, r := range f.recipients {
		if _, err := crypto.ParseRecipients([]string{r}); err != nil {
			return errs.Userf("--recipient: %v", err)
		}
	}
	var b strings.Builder
	if err := starterConfig.Execute(&b, data); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(g.configPath), 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// 0600: a remote's connection string may carry credentials.
	file, err := os.OpenFile(g.configPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return errs.Userf("%s already exists: init never overwrites a config; edit it, or pass --config NEWFILE", g.configPath)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := file.WriteString(b.String()); err != nil {
		file.Close()
		return fmt.Errorf("init: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(g.stdout, "config written to %s\n", g.configPath)
	return g.initSigningKey(host, f.identity)
}

// initSigningKey makes this host's signing key beside the identity unless
// it is there: every record is signed with it.
func (g *globals) initSigningKey(host, identity string) error {
	path := config.DefaultSigningKey(identity)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	return g.keygenSigningKey(path, host, identity)
}
