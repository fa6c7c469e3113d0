package main

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
)

// The shipped OpenRC script under a real openrc-run and supervise-daemon
// (Debian's openrc package, which coexists with the running init): start;
// reload with a good config (0) and a refused one (non-zero, the reason
// printed, the daemon untouched); restart with a broken config (non-zero,
// the same daemon still running and OpenRC still saying started); stop.
// Between them the log is rotated with the shipped logrotate file, and the
// daemon's next line lands in the emptied log.
func TestOpenRCService(t *testing.T) {
	requireTools(t, "openrc-run and supervise-daemon (apt-get install openrc), logrotate (apt-get install logrotate)",
		"openrc-run", "supervise-daemon", "logrotate")
	s := newOpenRCService(t)

	s.run(0, "start")
	s.waitLog("daemon started")
	daemon := s.daemonPID()

	s.rotateLog()
	s.run(0, "reload")
	s.waitLog("config reloaded")
	if log := s.log(); strings.Contains(log, "daemon started") || strings.ContainsRune(log, 0) {
		t.Errorf("after copytruncate, the log should hold only the new lines, got:\n%q", log)
	}

	s.writeConfig("@every 0s")
	out := s.run(1, "reload")
	if !strings.Contains(out, `schedule "@every 0s" fires more often than once a second`) {
		t.Errorf("a refused reload does not say why:\n%s", out)
	}
	out = s.run(1, "restart")
	if !strings.Contains(out, "fires more often than once a second") {
		t.Errorf("a refused restart does not say why:\n%s", out)
	}
	if got := s.daemonPID(); got != daemon {
		t.Errorf("the daemon changed (pid %d, was %d) though the new config was refused", got, daemon)
	}
	s.run(0, "status") // still "started": a later reload or stop works

	s.writeConfig("@daily")
	s.run(0, "stop")
	if err := syscall.Kill(daemon, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the daemon (pid %d) still runs after stop: %v", daemon, err)
	}
	s.run(3, "status")
}

// The systemd unit passes systemd-analyze verify (with the binary path
// pointed at this test's binary, which verify requires to exist).
func TestSystemdUnitVerifies(t *testing.T) {
	requireTools(t, "systemd-analyze (apt-get install systemd)", "systemd-analyze")
	unit, err := os.ReadFile("../../dist/systemd/argo-backup.service")
	must(t, err)
	path := filepath.Join(t.TempDir(), "argo-backup.service")
	must(t, os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/argo-backup", argoBinary(t))), 0o644))
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// requireTools skips t unless it runs as root with tools installed; under
// CI=true, where .ci/run installs them, it fails instead.
func requireTools(t *testing.T, install string, tools ...string) {
	t.Helper()
	reason := ""
	if os.Geteuid() != 0 {
		reason = "needs root to run services"
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			reason = fmt.Sprintf("needs %s", install)
		}
	}
	switch {
	case reason == "":
	case os.Getenv("CI") == "true":
		t.Fatalf("%s; CI=true, so this is a failure, not a skip", reason)
	default:
		t.Skip(reason)
	}
}

// openrcService is the shipped script installed under a unique name in a
// temporary init.d, with its conf.d beside it, as OpenRC reads them.
type openrcService struct {
	t                      *testing.T
	dir, name, script, cfg string
	logFile, recipient     string
}

func newOpenRCService(t *testing.T) *openrcService {
	t.Helper()
	dir := t.TempDir()
	s := &openrcService{t: t, dir: dir, name: fmt.Sprintf("argo-backup-test-%d", rand.Uint32()),
		cfg: filepath.Join(dir, "config.yaml"), logFile: filepath.Join(dir, "argo-backup.log")}
	s.script = filepath.Join(dir, "init.d", s.name)
	must(t, os.MkdirAll(filepath.Join(dir, "init.d"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755))
	script, err := os.ReadFile("../../dist/openrc/argo-backup")
	must(t, err)
	must(t, os.WriteFile(s.script, script, 0o755))
	confd := fmt.Sprintf("argo_backup_config=%s\nargo_backup_binary=%s\nargo_backup_log=%s\n", s.cfg, argoBinary(t), s.logFile)
	must(t, os.WriteFile(filepath.Join(dir, "conf.d", s.name), []byte(confd), 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "subvol"), 0o755))
	// A daemon that pushes needs this host's certified signing key to
	// start: keygen makes the identity, the key and its certificate.
	if code := execute(t.Context(), []string{"keygen", "--host", "testhost", "-o", filepath.Join(dir, "identity.txt")}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("keygen: exit %d", code)
	}
	ids, err := crypto.LoadIdentities(filepath.Join(dir, "identity.txt"))
	must(t, err)
	s.recipient = crypto.Recipients(ids)[0]
	s.writeConfig("@daily")
	s.bootedByOpenRC()
	t.Cleanup(func() {
		exec.Command("openrc-run", s.script, "stop").Run()
		exec.Command("openrc-run", s.script, "zap").Run()
	})
	return s
}

// bootedByOpenRC makes openrc-run work on a machine OpenRC did not boot,
// as OpenRC's boot would: it refuses to run without /run/openrc/softlevel,
// and needs its state directories (which the package's install makes, but
// a fresh /run lacks). What this test makes, it removes again.
func (s *openrcService) bootedByOpenRC() {
	const svcdir = "/run/openrc"
	var made []string
	for _, d := range []string{"", "daemons", "exclusive", "failed", "hotplugged", "inactive", "options",
		"scheduled", "started", "starting", "stopping", "tmp", "wasinactive"} {
		dir := filepath.Join(svcdir, d)
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			must(s.t, os.Mkdir(dir, 0o755))
			made = append(made, dir)
		}
	}
	softlevel := filepath.Join(svcdir, "softlevel")
	if _, err := os.Stat(softlevel); errors.Is(err, os.ErrNotExist) {
		must(s.t, os.WriteFile(softlevel, nil, 0o644))
		made = append(made, softlevel)
	}
	s.t.Cleanup(func() {
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i]) // a directory OpenRC filled meanwhile stays
		}
	})
}

// writeConfig writes a config the daemon accepts, with schedule for its
// one subvolume. Its path is a plain directory: the test stops the daemon
// before any backup is due (no verify or prune, @daily catch-up is a
// minute away at the soonest).
func (s *openrcService) writeConfig(schedule string) {
	cfg := fmt.Sprintf(`host: testhost
remote: %s/remote
recipients: [%q]
identity: %s/identity.txt
state_dir: %s/state
verify: {schedule: ""}
prune: {schedule: ""}
subvolumes:
  - {name: home, path: %s/subvol, snapshot_dir: %s/snapshots, schedule: %q}
`, s.dir, s.recipient, s.dir, s.dir, s.dir, s.dir, schedule)
	must(s.t, os.WriteFile(s.cfg, []byte(cfg), 0o600))
}

// run runs `openrc-run SCRIPT cmd`, requires exit status want, and returns
// the output.
func (s *openrcService) run(want int, cmd string) string {
	s.t.Helper()
	c := exec.Command("openrc-run", s.script, cmd)
	out, err := c.CombinedOutput()
	if got := c.ProcessState.ExitCode(); got != want {
		s.t.Fatalf("openrc-run %s %s: exit %d (%v), want %d:\n%s\nlog:\n%s", s.name, cmd, got, err, want, out, s.log())
	}
	return string(out)
}

func (s *openrcService) log() string {
	b, _ := os.ReadFile(s.logFile)
	return string(b)
}

// waitLog waits for the daemon to log line (it logs asynchronously to
// openrc-run returning), failing after a minute.
func (s *openrcService) waitLog(line string) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(s.log(), line) {
		if time.Now().After(deadline) {
			s.t.Fatalf("waited a minute for %q in the log:\n%s", line, s.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// daemonPID is the supervised daemon: the child of supervise-daemon, whose
// own pid is in its pidfile.
func (s *openrcService) daemonPID() int {
	s.t.Helper()
	b, err := os.ReadFile("/run/supervise-" + s.name + ".pid")
	must(s.t, err)
	sup := strings.TrimSpace(string(b))
	children, err := os.ReadFile(fmt.Sprintf("/proc/%s/task/%s/children", sup, sup))
	must(s.t, err)
	f := strings.Fields(string(children))
	if len(f) != 1 {
		s.t.Fatalf("supervise-daemon %s has children %q, want the daemon alone", sup, f)
	}
	pid, err := strconv.Atoi(f[0])
	must(s.t, err)
	return pid
}

// rotateLog rotates the log with the shipped logrotate file, forced.
func (s *openrcService) rotateLog() {
	s.t.Helper()
	conf, err := os.ReadFile("../../dist/logrotate/argo-backup")
	must(s.t, err)
	path := filepath.Join(s.dir, "logrotate.conf")
	must(s.t, os.WriteFile(path, []byte(strings.ReplaceAll(string(conf), "/var/log/argo-backup.log", s.logFile)), 0o644))
	out, err := exec.Command("logrotate", "--force", "--state", filepath.Join(s.dir, "logrotate.state"), path).CombinedOutput()
	if err != nil {
		s.t.Fatalf("logrotate: %v\n%s", err, out)
	}
	if _, err := os.Stat(s.logFile + ".1"); err != nil {
		s.t.Fatalf("logrotate did not rotate %s: %v", s.logFile, err)
	}
}
