package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Commands that only read never create a mistyped local remote path: they
// exit 2 with one line naming it, and the directory is still not there. A
// named rclone_config that does not exist is refused for a local remote
// too, as docs/configuration.md says.
func TestReadingCommandsNeverCreateTheRemote(t *testing.T) {
	dir := t.TempDir()
	identity := filepath.Join(dir, "identity.txt")
	runCLI(t, "", 0, "keygen", "-o", identity)
	typo := filepath.Join(dir, "argo-bakcup")
	config := filepath.Join(dir, "restore.yaml")
	writeFile(t, config, "host: oldhost\nremote: "+typo+"\nidentity: "+identity+"\nstate_dir: "+filepath.Join(dir, "state")+"\n")
	target := t.TempDir()

	for _, args := range [][]string{
		{"list"},
		{"list", "--all-hosts"},
		{"verify", "--quick"},
		{"restore", "--to", target},
		{"restore", "--to", target, "--at", "2026-11-20"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			stderr := runCLI(t, config, 2, args...)
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; lines != 1 {
				t.Errorf("want one line on stderr, got %d:\n%s", lines, stderr)
			}
			if os.Geteuid() == 0 || args[0] != "restore" { // else: "needs root"
				if !strings.Contains(stderr, "no argo-backup repository at "+typo) {
					t.Errorf("stderr does not name the missing remote %s:\n%s", typo, stderr)
				}
			}
			if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("argo-backup %s created the remote %s: %v", args[0], typo, err)
			}
		})
	}

	missing := filepath.Join(dir, "rclone.conf")
	writeFile(t, config, "host: oldhost\nremote: "+dir+"\nrclone_config: "+missing+"\nidentity: "+identity+"\n")
	if stderr := runCLI(t, config, 2, "list"); !strings.Contains(stderr, missing+": no such file or directory (check rclone_config)") {
		t.Errorf("a missing rclone_config with a local remote: %s", stderr)
	}
}

// runCLI runs argo-backup (with config, if given), requires the exit
// status want and returns stderr.
func runCLI(t *testing.T, config string, want int, args ...string) string {
	t.Helper()
	if config != "" {
		args = append([]string{"--config", config}, args...)
	}
	var out, errOut bytes.Buffer
	if got := execute(context.Background(), args, &out, &errOut); got != want {
		t.Fatalf("argo-backup %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, want, out.String(), errOut.String())
	}
	return errOut.String()
}
