package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/restore"
)

//go:embed demo.yaml.tmpl
var demoConfig string

func newDemoCommand(g *globals) *cobra.Command {
	var keep bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job on throw-away loop-device filesystems",
		Long: `demo needs no config and no cloud account. It makes a btrfs on a loop
device with a @home subvolume, backs it up three times (a full and two
incrementals, changing files in between) to a local-directory remote,
restores the newest and the oldest backup into a second fresh btrfs and
compares them with the snapshots they came from. Everything is removed at
the end.`,
		Example: `  sudo argo-backup demo`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireRoot("demo"); err != nil {
				return err
			}
			return runDemo(cmd.Context(), g, keep)
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the scratch directory (identity, state, remote) for a look afterwards")
	return cmd
}

type demo struct {
	g              *globals
	dir            string
	source, target *btrfs.LoopFS
	config         string
}

func runDemo(ctx context.Context, g *globals, keep bool) (err error) {
	d := &demo{g: g}
	defer func() {
		if cerr := d.close(keep); err == nil {
			err = cerr
		}
	}()
	if err := d.setUp(ctx); err != nil {
		return err
	}
	d.say("1. full backup")
	if err := d.cli(ctx, "push"); err != nil {
		return err
	}
	for i := 2; i <= 3; i++ {
		if err := d.change(i); err != nil {
			return err
		}
		d.say("%d. incremental backup after changing files", i)
		if err := d.cli(ctx, "push"); err != nil {
			return err
		}
	}
	d.say("what is on the remote")
	if err := d.cli(ctx, "list"); err != nil {
		return err
	}
	return d.restoreAndCompare(ctx)
}

func (d *demo) say(format string, args ...any) {
	fmt.Fprintf(d.g.stdout, "\n== demo: "+format+"\n", args...)
}

func (d *demo) setUp(ctx context.Context) error {
	var err error
	if d.dir, err = os.MkdirTemp("", "argo-backup-demo-"); err != nil {
		return err
	}
	d.say("scratch directory %s", d.dir)
	if d.source, err = btrfs.NewLoopFS(ctx, d.dir, 1<<30, "noatime,compress=zstd:3"); err != nil {
		return fmt.Errorf("demo source filesystem: %w", err)
	}
	if d.target, err = btrfs.NewLoopFS(ctx, d.dir, 1<<30, ""); err != nil {
		return fmt.Errorf("demo target filesystem: %w", err)
	}
	d.say("source btrfs on a loop device at %s, restore target at %s", d.source.Dir, d.target.Dir)
	home := filepath.Join(d.source.Dir, "@home")
	if err := btrfs.Create(ctx, home); err != nil {
		return err
	}
	if err := fillDemoTree(home); err != nil {
		return err
	}
	recipient, err := crypto.WriteIdentity(filepath.Join(d.dir, "identity.txt"))
	if err != nil {
		return err
	}
	if _, _, err := makeSigningKey(filepath.Join(d.dir, "signing.key"), "demo", filepath.Join(d.dir, "identity.txt")); err != nil {
		return err
	}
	return d.writeConfig(recipient)
}

func (d *demo) writeConfig(recipient string) error {
	var b bytes.Buffer
	tmpl := template.Must(template.New("demo").Parse(demoConfig))
	if err := tmpl.Execute(&b, map[string]string{"Dir": d.dir, "Source": d.source.Dir, "Recipient": recipient}); err != nil {
		return err
	}
	d.config = filepath.Join(d.dir, "config.yaml")
	return os.WriteFile(d.config, b.Bytes(), 0o600)
}

// cli runs an argo-backup command against the demo's config, exactly as a
// user would type it.
func (d *demo) cli(ctx context.Context, args ...string) error {
	args = append([]string{"--config", d.config}, args...)
	fmt.Fprintf(d.g.stdout, "$ argo-backup %s\n", joinArgs(args))
	if code := execute(ctx, args, d.g.stdout, d.g.stderr); code != 0 {
		return fmt.Errorf("demo: argo-backup %s failed (exit %d)", joinArgs(args), code)
	}
	return nil
}

func (d *demo) restoreAndCompare(ctx context.Context) error {
	snaps, err := os.ReadDir(filepath.Join(d.source.Dir, "@snapshots"))
	if err != nil || len(snaps) < 2 {
		return fmt.Errorf("demo: expected local snapshots: %v", err)
	}
	newest, oldest := snaps[len(snaps)-1].Name(), snaps[0].Name()
	d.say("disaster: restore the newest backup into the fresh btrfs")
	if err := d.cli(ctx, "restore", "--to", d.target.Dir, "home"); err != nil {
		return err
	}
	d.say("and the oldest one, by name")
	if err := d.cli(ctx, "restore", "--to", d.target.Dir, "--snapshot", oldest); err != nil {
		return err
	}
	for _, name := range []string{newest, oldest} {
		diffs, err := restore.CompareTrees(filepath.Join(d.source.Dir, "@snapshots", name), filepath.Join(d.target.Dir, name))
		if err != nil {
			return err
		}
		if len(diffs) > 0 {
			return fmt.Errorf("demo: %s differs after restore: %s", name, diffs[0])
		}
		fmt.Fprintf(d.g.stdout, "%s: restored tree identical to its snapshot (content, modes, owners, links, xattrs, times)\n", name)
	}
	d.say("done: backed up, restored and compared")
	return nil
}

func (d *demo) close(keep bool) error {
	var first error
	for _, fs := range []*btrfs.LoopFS{d.target, d.source} {
		if fs != nil {
			if err := fs.Close(); err != nil && first == nil {
				first = err
			}
		}
	}
	if d.dir != "" && !keep {
		os.RemoveAll(d.dir)
	}
	return first
}

// fillDemoTree writes a small but varied tree: text, binary, a symlink, a
// hardlink, an xattr, a sparse file.
func fillDemoTree(dir string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		text := bytes.Repeat([]byte(fmt.Sprintf("line %d of a compressible document\n", i)), 2000)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%02d.txt", i)), text, 0o644); err != nil {
			return err
		}
	}
	photo := make([]byte, 6<<20)
	for i := range photo {
		photo[i] = byte(rng.Uint32())
	}
	steps := []func() error{
		func() error { return os.WriteFile(filepath.Join(dir, "photo.raw"), photo, 0o600) },
		func() error { return os.Symlink("doc-00.txt", filepath.Join(dir, "latest")) },
		func() error { return os.Link(filepath.Join(dir, "doc-01.txt"), filepath.Join(dir, "doc-01.hardlink")) },
		func() error { return os.Mkdir(filepath.Join(dir, "projects"), 0o750) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(dir, "disk.img"))
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(64 << 20) // sparse
}

// change modifies the demo tree between backups.
func (d *demo) change(round int) error {
	home := filepath.Join(d.source.Dir, "@home")
	note := fmt.Sprintf("notes from round %d\n", round)
	steps := []func() error{
		func() error {
			return os.WriteFile(filepath.Join(home, fmt.Sprintf("new-%d.txt", round)), []byte(note), 0o644)
		},
		func() error { return os.Remove(filepath.Join(home, fmt.Sprintf("doc-%02d.txt", 10+round))) },
		func() error {
			return os.Rename(filepath.Join(home, fmt.Sprintf("doc-%02d.txt", 20+round)), filepath.Join(home, "projects", fmt.Sprintf("moved-%d.txt", round)))
		},
		func() error { return os.Chmod(filepath.Join(home, "doc-02.txt"), 0o600) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo: change files: %w", err)
		}
	}
	return nil
}

func joinArgs(args []string) string {
	var b bytes.Buffer
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a)
	}
	return b.String()
}
