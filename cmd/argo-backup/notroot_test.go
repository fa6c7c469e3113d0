package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// Commands that need root say so, with the fix, when run by someone else:
// the CLI itself runs as user nobody here.
func TestNotRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		btrfstest.Unmet(t, "needs root to run a command as another user")
	}
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // let nobody reach the binary and the config
	}
	bin := filepath.Join(dir, "argo-backup")
	copyFile(t, os.Args[0], bin, 0o755)
	config := filepath.Join(dir, "config.yaml")
	writeFile(t, config, "recipients: [\""+testRecipient+"\"]\nstate_dir: "+dir+"/state\nsubvolumes:\n  - {name: home, path: /home, snapshot_dir: /home/.s}\n")
	os.Chmod(config, 0o644)

	// restore onto a directory that is not on btrfs is native and needs no root
	for _, args := range [][]string{{"push"}, {"verify"}} {
		cmd := exec.Command(bin, append([]string{"--config", config}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Errorf("%v as nobody: %v, want exit 2", args, err)
		}
		if !strings.Contains(stderr.String(), "needs root") || !strings.Contains(stderr.String(), "sudo") {
			t.Errorf("%v as nobody says %q, want that it needs root and the fix", args, stderr.String())
		}
	}
}

// mount by someone who cannot open /dev/fuse: one line saying how to get
// FUSE, exit 2, and no other log line. (Where /dev/fuse is open to all,
// as on some distributions, there is nothing to refuse.)
func TestNotRootMount(t *testing.T) {
	if os.Geteuid() != 0 {
		btrfstest.Unmet(t, "needs root to run a command as another user")
	}
	fi, err := os.Stat("/dev/fuse")
	if err != nil || fi.Mode().Perm()&0o006 == 0o006 {
		t.Logf("/dev/fuse is open to everyone here (%v, %v): nothing to refuse", fi, err)
		return
	}
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	bin := filepath.Join(dir, "argo-backup")
	copyFile(t, os.Args[0], bin, 0o755)
	config := filepath.Join(dir, "config.yaml")
	writeFile(t, config, "recipients: [\""+testRecipient+"\"]\nstate_dir: "+dir+"/state\nremote: "+dir+"/remote\nsubvolumes:\n  - {name: home, path: /home, snapshot_dir: /home/.s}\n")
	os.Chmod(config, 0o644)
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o777)
	cmd := exec.Command(bin, "--config", config, "mount", mnt)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("mount as nobody: %v, want exit 2", err)
	}
	requireOneLine(t, stderr.String(), "FUSE is not available to you")
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// testRecipient is a valid age recipient whose identity nobody has.
const testRecipient = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"
