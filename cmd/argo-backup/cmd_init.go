package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
)

type initFlags struct {
	remote     string
	recipients []string
	identity   string
	stateDir   string
	subvolumes []string
}

var starterConfig = template.Must(template.New("config").Parse(`# argo-backup configuration. Every key is described in docs/configuration.md.
host: {{.Host}}
# Any rclone remote path ("gdrive:argo-backup") or a local directory.
remote: "{{.Remote}}"
recipients:
{{- range .Recipients}}
  - "{{.}}"
{{- else}}
  [] # add the age1... line printed by 'argo-backup keygen'
{{- end}}
identity: {{.Identity}}
state_dir: {{.StateDir}}
compression_level: 3
part_size: 64MiB
send_compressed_data: true
subvolumes:
{{- range .Subvolumes}}
  - name: {{.Name}}
    path: {{.Path}}
    snapshot_dir: {{.SnapshotDir}}
    schedule: "@daily"
    parents: chain
    full_every: 720h
    max_chain: 30
    keep_local: 2
    retention: {last: 7, daily: 14, weekly: 8, monthly: 12}
{{- else}}
  [] # e.g. - {name: home, path: /home, snapshot_dir: /home/.snapshots/argo-backup}
{{- end}}
verify:
  schedule: "@weekly"
prune:
  schedule: "@daily"
`))

func newInitCommand(g *globals) *cobra.Command {
	var f initFlags
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a starter config",
		Long: `init writes a starter config to the --config path (it never overwrites
one). Subvolumes are given as NAME=PATH; each gets its snapshots in
PATH/.snapshots/argo-backup.`,
		Example: `  argo-backup keygen -o /etc/argo-backup/identity.txt
  argo-backup init --recipient age1... --remote gdrive:argo-backup --subvolume root=/ --subvolume home=/home`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeStarterConfig(g, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.remote, "remote", "", "rclone remote path, e.g. --remote gdrive:argo-backup (default: a directory under state_dir)")
	fl.StringArrayVar(&f.recipients, "recipient", nil, "age recipient, e.g. --recipient age1... (repeatable)")
	fl.StringVar(&f.identity, "identity", DefaultIdentityPath, "identity file for restore and verify")
	fl.StringVar(&f.stateDir, "state-dir", "/var/lib/argo-backup", "state directory")
	fl.StringArrayVar(&f.subvolumes, "subvolume", nil, "subvolume to back up as NAME=PATH, e.g. --subvolume home=/home (repeatable)")
	return cmd
}

type starterSubvolume struct{ Name, Path, SnapshotDir string }

func writeStarterConfig(g *globals, f initFlags) error {
	host, _ := os.Hostname()
	data := struct {
		Host, Remote, Identity, StateDir string
		Recipients                       []string
		Subvolumes                       []starterSubvolume
	}{Host: host, Remote: f.remote, Identity: f.identity, StateDir: f.stateDir, Recipients: f.recipients}
	if data.Remote == "" {
		data.Remote = filepath.Join(f.stateDir, "remote")
	}
	for _, s := range f.subvolumes {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || !filepath.IsAbs(path) {
			return usageErrorf("--subvolume %q: write it as NAME=/absolute/path, e.g. home=/home", s)
		}
		data.Subvolumes = append(data.Subvolumes, starterSubvolume{name, path, filepath.Join(path, ".snapshots", "argo-backup")})
	}
	var b strings.Builder
	if err := starterConfig.Execute(&b, data); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(g.configPath), 0o755); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	file, err := os.OpenFile(g.configPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return usageErrorf("%s already exists: init never overwrites a config; edit it, or pass --config NEWFILE", g.configPath)
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
	return nil
}
