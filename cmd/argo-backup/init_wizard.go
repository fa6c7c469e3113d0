package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// runWizard is init's interactive set-up. Every question is asked before
// anything is written, so leaving it (Ctrl-C, Ctrl-D, three bad answers)
// writes nothing: no identity, no config.
func runWizard(ctx context.Context, g *globals, f initFlags, in *bufio.Reader, proposals []proposal) error {
	if _, err := os.Stat(g.configPath); err == nil {
		return errs.Userf("%s already exists: init never overwrites a config; edit it, or pass --config NEWFILE", g.configPath)
	}
	w := newWizard(ctx, in, g.stdout)
	fmt.Fprintf(w.out, "argo-backup set-up: the config goes to %s.\n\n", g.configPath)
	var err error
	if f.subvolumes, err = w.pickSubvolumes(proposals, f.subvolumes); err != nil {
		return err
	}
	if f.snapper, err = w.pickSnapper(f.subvolumes, snapperConfigs()); err != nil {
		return err
	}
	recipient, err := w.identityPath(&f)
	if err != nil {
		return err
	}
	if f.remote, err = w.remote(f); err != nil {
		return err
	}
	if os.Getenv("RCLONE_CONFIG") != "" {
		f.rcloneConfig = os.Getenv("RCLONE_CONFIG")
	}
	if recipient == "" {
		if recipient, err = w.createIdentity(f.identity); err != nil {
			return err
		}
	}
	f.recipients = append(f.recipients, recipient)
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

// pickSubvolumes asks about each proposal: Enter or y takes it under the
// proposed name, n leaves it out, anything else is the name to use.
func (w wizard) pickSubvolumes(proposals []proposal, given []string) ([]string, error) {
	if len(given) > 0 {
		return given, nil
	}
	if len(proposals) == 0 {
		fmt.Fprintln(w.out, "No btrfs subvolumes are mounted here; add them to the config under subvolumes.")
		return nil, nil
	}
	fmt.Fprintln(w.out, "btrfs subvolumes mounted here (snapshots and caches left out).")
	fmt.Fprintln(w.out, "Enter or y: back it up under the name shown; n: leave it out; or type another name.")
	var picked []string
	for _, p := range proposals {
		name, err := w.askUntil(fmt.Sprintf("  back up %s (subvolume %s) as %q?", p.Path, p.Subvol, p.Name), "y", subvolumeName)
		switch {
		case err != nil:
			return nil, err
		case strings.EqualFold(name, "n") || strings.EqualFold(name, "no"):
			continue
		case strings.EqualFold(name, "y") || strings.EqualFold(name, "yes"):
			name = p.Name
		}
		picked = append(picked, name+"="+p.Path)
	}
	return picked, nil
}

// subvolumeName accepts y, n, or a name the config takes.
func subvolumeName(a string) error {
	if safeSubvolumeName.MatchString(a) && a != "locks" && a != "keys" {
		return nil
	}
	return fmt.Errorf("%q: answer y, n, or a name of letters, digits, '.', '-' and '_'", a)
}

var safeSubvolumeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

// identityPath asks where the identity is, and returns its recipient if it
// exists; "" means it is to be created once every question is answered.
func (w wizard) identityPath(f *initFlags) (string, error) {
	var err error
	if f.identity, err = w.askUntil("\nIdentity file (the key that reads your backups)", f.identity, absolutePath); err != nil {
		return "", err
	}
	ids, err := crypto.LoadIdentities(f.identity)
	switch {
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(w.out, "It does not exist yet: it will be created when the set-up is written.\n")
		return "", nil
	case err != nil:
		return "", errs.Userf("identity %s: %v", f.identity, err)
	}
	if rs := crypto.Recipients(ids); len(rs) > 0 {
		fmt.Fprintf(w.out, "Using the existing identity; its recipient is %s\n", rs[0])
		return rs[0], nil
	}
	return "", errs.Userf("identity %s holds no age identity: give another file", f.identity)
}

// createIdentity makes the identity and says how to keep it safe.
func (w wizard) createIdentity(path string) (string, error) {
	recipient, err := crypto.WriteIdentity(path)
	if err != nil {
		return "", errs.Userf("identity: %v", err)
	}
	fmt.Fprintf(w.out, `
Created %s (mode 0600); its recipient is %s
Pushing needs only the recipient. Restoring needs the identity: if this disk
dies, so does the copy on it. Keep a copy elsewhere NOW: print it, put it in
a password manager or on a USB stick in a drawer, or escrow it on the remote
with a passphrase ('argo-backup keygen --escrow', see docs/security.md).
`, path, recipient)
	return recipient, nil
}

// remote asks where the backups go, proposing the first rclone remote
// found; a local directory is accepted with a warning that it is not
// off-site.
func (w wizard) remote(f initFlags) (string, error) {
	def := f.remote
	if names := rcloneRemotes(); len(names) > 0 {
		fmt.Fprintf(w.out, "\nRemotes in your rclone.conf: %s\n", strings.Join(names, ", "))
		if def == "" {
			def = names[0] + "argo-backup"
		}
	} else {
		fmt.Fprintln(w.out, "\nNo rclone.conf remotes found: set one up with 'rclone config' (Google Drive: docs/google-drive.md) and run init again, or back up to a local directory for now.")
	}
	if def == "" {
		def = filepath.Join(f.stateDir, "remote")
	}
	r, err := w.askUntil("Remote (an rclone remote path like gdrive:argo-backup, or a local directory)", def, remotePath)
	if err == nil && filepath.IsAbs(r) {
		fmt.Fprintf(w.out, `Note: %s is a directory on this machine, not off-site: a dead disk,
a fire or ransomware takes the backups with the data. Use it for a first try
or on a disk you keep elsewhere; for real backups set remote to an rclone
remote (docs/configuration.md).
`, r)
	}
	return r, err
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
