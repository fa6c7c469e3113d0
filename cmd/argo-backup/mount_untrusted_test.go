package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A subvolume folder an attacker planted under this host (records signed
// with a key of their own) is not shown by mount, as list does not count
// it a backup: not even as an empty directory. Naming it is refused (exit
// 3, one line saying why), and so is a host with nothing trusted at all.
func TestMountHidesUntrustedFolders(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	remoteDir := filepath.Join(m.dir, "remote")
	attacker{t: t, m: m, remoteDir: remoteDir, subvol: "evil", signer: ownSigner(t, "testhost")}.plant(time.Now().Add(-time.Hour))
	attacker{t: t, m: m, remoteDir: remoteDir, host: "evilhost", signer: ownSigner(t, "evilhost")}.plant(time.Now().Add(-time.Hour))

	for _, tc := range []struct{ args, want string }{
		{"evil", `subvolume "evil" of testhost has no trusted backup`},
		{"--host evilhost", "host evilhost has no trusted backup"},
	} {
		// A mount wrongly accepted would run until cancelled: at most a minute.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var stderr bytes.Buffer
		args := append([]string{"--config", m.config, "mount", t.TempDir()}, strings.Fields(tc.args)...)
		code := execute(ctx, args, io.Discard, &stderr)
		cancel()
		if code != exitDamaged {
			t.Errorf("mount DIR %s: exit %d, want %d", tc.args, code, exitDamaged)
		}
		requireOneLine(t, stderr.String(), tc.want)
	}

	dir := t.TempDir()
	startMount(t, m, dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"home"}) {
		t.Errorf("the mount shows %q, want home alone", names)
	}
}
