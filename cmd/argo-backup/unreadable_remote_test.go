package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/nodac"
)

// A host folder on the remote that cannot be read (here chmod 000, read by
// root without CAP_DAC_OVERRIDE, as over root_squash NFS) fails every
// command that reads it, with one line naming the folder and the error:
// never "no backups", and prune deletes nothing.
func TestUnreadableHostFolder(t *testing.T) {
	m := newMachine(t)
	cfg := readFile(t, m.config)
	writeFile(t, m.config, strings.Replace(cfg, "/snapshots}", "/snapshots, retention: {last: 1}}", 1))
	m.run(0, "push")
	m.run(0, "push", "--full")
	before := remoteSnapshots(t, m)

	host := filepath.Join(m.dir, "remote", "testhost")
	if err := os.Chmod(host, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(host, 0o755) })
	bin := argoBinary(t)
	for _, args := range [][]string{
		{"list"},
		{"list", "home"},
		{"list", "--all-hosts"},
		{"status"},
		{"verify", "--quick"},
		{"restore", "--to", t.TempDir()},
		{"prune"},
		{"prune", "--dry-run"},
	} {
		cmdline := append(append(nodac.Args(), bin, "--config", m.config), args...)
		if !nodac.Needed() {
			cmdline = append([]string{bin, "--config", m.config}, args...)
		}
		cmd := exec.Command(cmdline[0], cmdline[1:]...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		what := "argo-backup " + strings.Join(args, " ")
		if err == nil || code == 0 {
			t.Errorf("%s: exit 0, want a failure\nstdout: %s\nstderr: %s", what, stdout.String(), stderr.String())
			continue
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "testhost") || !strings.Contains(lines[0], "permission denied") {
			t.Errorf("%s: exit %d; want one line naming the folder testhost and the error, got:\n%s", what, code, stderr.String())
		}
	}

	// A machine with no record copies (restore-only, or state_dir lost)
	// has nothing to compare, and still must not call the remote fine.
	records := filepath.Join(m.dir, "state", "records")
	if err := os.Rename(records, records+".away"); err != nil {
		t.Fatal(err)
	}
	cmdline := []string{bin, "--config", m.config, "status"}
	if nodac.Needed() {
		cmdline = append(nodac.Args(), cmdline...)
	}
	status := exec.Command(cmdline[0], cmdline[1:]...)
	out, err := status.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "permission denied") {
		t.Errorf("status without record copies on an unreadable remote: %v, want a failure naming the error\n%s", err, out)
	}
	if err := os.Rename(records+".away", records); err != nil {
		t.Fatal(err)
	}

	if err := os.Chmod(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if after := remoteSnapshots(t, m); !slices.Equal(after, before) {
		t.Errorf("the backups changed while the host folder was unreadable: %q, then %q", before, after)
	}
	m.run(0, "list")
}
