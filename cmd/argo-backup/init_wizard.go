package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/internal/errs"
)

// mountedProposals proposes the btrfs subvolumes mounted here.
func mountedProposals() []proposal {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	return proposeSubvolumes(f)
}

// wizard asks one question at a time; an empty answer (or the end of the
// input) takes the proposed default.
type wizard struct {
	in  *bufio.Reader
	out io.Writer
}

func (w wizard) ask(question, def string) string {
	if def != "" {
		fmt.Fprintf(w.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(w.out, "%s: ", question)
	}
	line, _ := w.in.ReadString('\n')
	if line = strings.TrimSpace(line); line != "" {
		return line
	}
	return def
}

// askUntil asks until valid accepts the answer, saying why it did not.
func (w wizard) askUntil(question, def string, valid func(string) error) (string, error) {
	var err error
	for range 3 {
		a := w.ask(question, def)
		if err = valid(a); err == nil {
			return a, nil
		}
		fmt.Fprintf(w.out, "  %v\n", err)
	}
	return "", errs.Userf("init: %v; nothing was written", err)
}

func absolutePath(p string) error {
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%q: give an absolute path, like /etc/argo-backup/identity.txt", p)
	}
	return nil
}

// remotePath accepts an rclone remote ("name:path", ":backend:path") or an
// absolute local directory.
func remotePath(p string) error {
	if filepath.IsAbs(p) || (strings.Contains(p, ":") && !strings.HasPrefix(p, ":") || strings.Count(p, ":") >= 2) {
		return nil
	}
	return fmt.Errorf("%q: give an rclone remote path like gdrive:argo-backup, or an absolute directory", p)
}

func (w wizard) yes(question string) bool {
	a := strings.ToLower(w.ask(question+" (y/n)", "y"))
	return a == "y" || a == "yes"
}

// runWizard is init's interactive set-up.
func runWizard(ctx context.Context, g *globals, f initFlags, in *bufio.Reader, proposals []proposal) error {
	if _, err := os.Stat(g.configPath); err == nil {
		return errs.Userf("%s already exists: init never overwrites a config; edit it, or pass --config NEWFILE", g.configPath)
	}
	w := wizard{in: in, out: g.stdout}
	fmt.Fprintf(w.out, "argo-backup set-up: the config goes to %s.\n\n", g.configPath)
	f.subvolumes = w.pickSubvolumes(proposals, f.subvolumes)
	recipient, err := w.identity(&f)
	if err != nil {
		return err
	}
	f.recipients = append(f.recipients, recipient)
	if f.remote, err = w.remote(f); err != nil {
		return err
	}
	if os.Getenv("RCLONE_CONFIG") != "" {
		f.rcloneConfig = os.Getenv("RCLONE_CONFIG")
	}
	if err := writeStarterConfig(g, f); err != nil {
		return err
	}
	fmt.Fprintf(w.out, "\nChecking the set-up (argo-backup doctor):\n")
	if a, err := g.load(); err == nil {
		d := &doctor{a: a}
		d.run(ctx)
		if d.report() != nil {
			fmt.Fprintf(w.out, "\nFix what doctor says, then run 'argo-backup doctor' again.\n")
			return nil
		}
	}
	fmt.Fprintf(w.out, "\nAll set. Back up now with 'argo-backup push', or start the daemon (docs/daemon.md).\n")
	return nil
}

func (w wizard) pickSubvolumes(proposals []proposal, given []string) []string {
	if len(given) > 0 {
		return given
	}
	if len(proposals) == 0 {
		fmt.Fprintln(w.out, "No btrfs subvolumes are mounted here; add them to the config under subvolumes.")
		return nil
	}
	fmt.Fprintln(w.out, "btrfs subvolumes mounted here (snapshots and caches left out):")
	var picked []string
	for _, p := range proposals {
		if w.yes(fmt.Sprintf("  back up %s (subvolume %s) as %q?", p.Path, p.Subvol, p.Name)) {
			picked = append(picked, p.Name+"="+p.Path)
		}
	}
	return picked
}

// identity makes the identity if there is none, and returns its recipient.
func (w wizard) identity(f *initFlags) (string, error) {
	var err error
	if f.identity, err = w.askUntil("\nIdentity file (the key that reads your backups)", f.identity, absolutePath); err != nil {
		return "", err
	}
	if ids, err := crypto.LoadIdentities(f.identity); err == nil {
		if rs := crypto.Recipients(ids); len(rs) > 0 {
			fmt.Fprintf(w.out, "Using the existing identity; its recipient is %s\n", rs[0])
			return rs[0], nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", errs.Userf("identity %s: %v", f.identity, err)
	}
	recipient, err := crypto.WriteIdentity(f.identity)
	if err != nil {
		return "", errs.Userf("identity: %v", err)
	}
	fmt.Fprintf(w.out, `Created %s (mode 0600); its recipient is %s
Pushing needs only the recipient. Restoring needs the identity: if this disk
dies, so does the copy on it. Keep a copy elsewhere NOW: print it, put it in
a password manager or on a USB stick in a drawer, or escrow it on the remote
with a passphrase ('argo-backup keygen --escrow', see docs/security.md).
`, f.identity, recipient)
	return recipient, nil
}

func (w wizard) remote(f initFlags) (string, error) {
	def := f.remote
	if names := rcloneRemotes(); len(names) > 0 {
		fmt.Fprintf(w.out, "\nRemotes in your rclone.conf: %s\n", strings.Join(names, ", "))
		if def == "" {
			def = names[0] + "argo-backup"
		}
	} else {
		fmt.Fprintln(w.out, "\nNo rclone.conf remotes found: set one up with 'rclone config' (Google Drive: docs/google-drive.md), or back up to a local directory for now.")
	}
	if def == "" {
		def = filepath.Join(f.stateDir, "remote")
	}
	return w.askUntil("Remote (an rclone remote path like gdrive:argo-backup, or a local directory)", def, remotePath)
}

// rcloneConfPath is the rclone.conf init looks at: $RCLONE_CONFIG, as for
// rclone itself, else rclone's default.
func rcloneConfPath() string {
	if path := os.Getenv("RCLONE_CONFIG"); path != "" {
		return path
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "rclone", "rclone.conf")
}

// rcloneRemotes lists the remotes in the user's rclone.conf as "name:".
func rcloneRemotes() []string {
	f, err := os.Open(rcloneConfPath())
	if err != nil {
		return nil
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			names = append(names, strings.Trim(line, "[]")+":")
		}
	}
	sort.Strings(names)
	return names
}
