package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

// The credentials of a connection-string remote never appear in what any
// command prints or in status.json, whether rclone refuses the spec (an
// unobscured webdav password) or the server refuses the credentials (a
// wrong S3 secret).
func TestSecretsNeverShown(t *testing.T) {
	m := newMachine(t)
	const secret = "TOPSECRETxyz"
	s3 := regexp.MustCompile(`secret_access_key=[^,:]*`).ReplaceAllString(remotetest.S3(t), "secret_access_key="+secret)
	for name, spec := range map[string]string{
		"webdav": ":webdav,url='http://127.0.0.1:1/',user=bob,pass=" + secret + ":dav",
		"s3":     s3,
	} {
		t.Run(name, func(t *testing.T) {
			m.t = t
			defer func() { m.t = t }()
			config := m.writeConfigRemote(name+".yaml", m.home, `"`+strings.ReplaceAll(spec, `"`, `\"`)+`"`, "")
			var shown []string
			for _, args := range [][]string{{"list"}, {"verify", "--quick"}, {"status"}, {"doctor"}, {"push"}} {
				stdout, stderr := m.runAny(config, args...)
				shown = append(shown, stdout, stderr)
				t.Logf("%v:\n%s%s", args, stdout, stderr)
			}
			status, _ := os.ReadFile(filepath.Join(m.dir, "state", "status.json"))
			shown = append(shown, string(status))
			for _, out := range shown {
				if strings.Contains(out, secret) {
					t.Errorf("the secret is shown:\n%s", out)
				}
			}
			if !strings.Contains(strings.Join(shown, ""), "***") {
				t.Errorf("no command named the remote in its redacted form:\n%s", strings.Join(shown, "\n"))
			}
		})
	}
}

// init writes its config readable by root only, and doctor warns about a
// config or rclone.conf that others can read.
func TestConfigFilesPrivate(t *testing.T) {
	m := newMachine(t)
	written := filepath.Join(m.dir, "init", "config.yaml")
	m.runWith(written, 0, "init", "--non-interactive", "--state-dir", filepath.Join(m.dir, "init-state"), "--identity", m.identity, "--subvolume", "home="+m.home)
	if fi, err := os.Stat(written); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("init wrote %s with %v (%v), want 0600", written, fi.Mode().Perm(), err)
	}

	rcloneConf := filepath.Join(m.dir, "rclone.conf")
	if err := os.WriteFile(rcloneConf, []byte("[x]\ntype = local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	config := m.writeConfig("loose.yaml", m.home, "rclone_config: "+rcloneConf+"\n")
	if err := os.Chmod(config, 0o640); err != nil {
		t.Fatal(err)
	}
	out, _ := m.runWith(config, 0, "doctor")
	for _, want := range []string{"WARN  config " + config + " is readable by group or others (mode 0640)", "chmod 600 " + rcloneConf} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor does not say %q:\n%s", want, out)
		}
	}
	must(t, os.Chmod(config, 0o600))
	must(t, os.Chmod(rcloneConf, 0o600))
	if out, _ := m.runWith(config, 0, "doctor"); strings.Contains(out, "readable by group") {
		t.Errorf("doctor warns about private files:\n%s", out)
	}
}

// runAny runs argo-backup with config, whatever its exit status.
func (m *machine) runAny(config string, args ...string) (stdout, stderr string) {
	var out, errOut bytes.Buffer
	execute(context.Background(), append([]string{"--config", config}, args...), &out, &errOut)
	return out.String(), errOut.String()
}
