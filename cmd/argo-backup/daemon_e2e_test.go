package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

// The daemon backs up on "@every 1s", a failing subvolume runs on_failure
// with its name and error, status --json tells one from the other, and the
// backups restore.
func TestDaemonCommitsBackupsOnSchedule(t *testing.T) {
	m := newStation(t, "@every 1s")
	m.writeConfig(fmt.Sprintf(brokenSubvolume, m.fs, m.fs))
	d := m.startDaemon()
	m.eventually("two backups of home", func() bool { return len(m.records()) >= 2 })
	m.eventually("on_failure for broken", func() bool { _, err := os.Stat(m.hookOut); return err == nil })
	m.stop(d)

	hook, err := os.ReadFile(m.hookOut)
	must(t, err)
	if line, _, _ := strings.Cut(string(hook), "\n"); !strings.HasPrefix(line, "broken|testhost|") || !strings.Contains(line, "not a btrfs subvolume") {
		t.Errorf("on_failure saw %q, want broken|testhost|<the error>", line)
	}
	if strings.Contains(string(hook), "home|") {
		t.Errorf("on_failure ran for home, which succeeded:\n%s", hook)
	}

	st := m.statusJSON()
	home, broken := st.Subvolumes["home"], st.Subvolumes["broken"]
	if home == nil || broken == nil {
		t.Fatalf("status --json lacks a subvolume: %+v", st.Subvolumes)
	}
	if home.LastSuccess.IsZero() || home.Failing() || home.ChainDepth < 1 || home.LocalSnapshots < 2 || home.BytesStored == 0 || home.NextRun.IsZero() {
		t.Errorf("status of home after incremental backups: %+v", home)
	}
	if !broken.Failing() || !strings.Contains(broken.LastError, "not a btrfs subvolume") || broken.FailuresTotal < 1 {
		t.Errorf("status of broken after failures: %+v", broken)
	}
	metrics, err := os.ReadFile(m.metrics)
	must(t, err)
	if !bytes.Contains(metrics, []byte(`argo_backup_last_success_timestamp_seconds{subvolume="home"}`)) {
		t.Errorf("metrics file lacks home's last success:\n%s", metrics)
	}
	if _, err := os.Stat(filepath.Join(m.remote, "testhost", "locks", "home.lock")); err == nil {
		t.Error("the remote lock of home is still there after the daemon stopped")
	}

	restored := m.restoreNewest()
	if got, _ := os.ReadFile(filepath.Join(restored, "notes.txt")); string(got) != "day one\n" {
		t.Errorf("restored notes.txt = %q", got)
	}
}

// A desktop that was off at the scheduled time backs up soon after the
// daemon starts, not at the next activation.
func TestDaemonCatchesUpAMissedRun(t *testing.T) {
	m := newStation(t, "0 3 1 1 *") // once a year, 1 January 03:00
	long := time.Now().UTC().Add(-400 * 24 * time.Hour).Format(time.RFC3339)
	must(t, os.MkdirAll(m.state.Dir, 0o700))
	must(t, os.WriteFile(filepath.Join(m.state.Dir, "status.json"),
		[]byte(`{"subvolumes": {"home": {"last_success": "`+long+`"}}}`), 0o600))

	d := m.startDaemon()
	m.eventually("the missed backup", func() bool { return len(m.records()) == 1 })
	m.stop(d)
	if next := m.statusJSON().Subvolumes["home"].NextRun; next.Month() != time.January || next.Before(time.Now()) {
		t.Errorf("after catching up, next run is %v, want the coming 1 January", next)
	}
}

// SIGTERM in the middle of a push commits nothing half-way; the next start
// carries on and its backup restores.
func TestDaemonStoppedMidPushCarriesOnAtNextStart(t *testing.T) {
	m := newStation(t, "@every 1s")
	d := m.startDaemon()
	m.eventually("the first backup", func() bool { return len(m.records()) >= 1 })
	// Written while the daemon is stopped, so that no snapshot catches the
	// file half-written and every later backup holds all of it.
	m.stop(d)
	big := randomBytes(t, 192<<20) // big enough to stop in the middle
	m.write("big.bin", big)
	d = m.startDaemon()
	var interrupted string // the snapshot directory of the push we stop
	m.eventually("parts of a backup of big.bin on the remote", func() bool {
		parts, _ := filepath.Glob(filepath.Join(m.remote, "testhost", "home", "*", "part-000003.zst.age"))
		for _, p := range parts {
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), "record.json.age")); err != nil {
				interrupted = filepath.Dir(p)
				return true
			}
		}
		return false
	})
	m.stop(d)
	name := filepath.Base(interrupted)
	if _, err := os.Stat(filepath.Join(interrupted, "record.json.age")); err == nil {
		btrfstest.Unmet(t, "the push of "+name+" finished before SIGTERM arrived: nothing was interrupted")
	}
	for _, r := range m.records() {
		if r.Snapshot == name {
			t.Fatalf("stopped mid-push, yet %s is committed locally", name)
		}
	}

	d = m.startDaemon()
	// Committed means the record on the remote and its copy in state_dir,
	// which is written just after: stopping between the two would leave
	// restoreNewest (which names the newest local record) one behind.
	m.eventually("the interrupted backup committed after the restart", func() bool {
		if _, err := os.Stat(filepath.Join(interrupted, "record.json.age")); err != nil {
			return false
		}
		for _, r := range m.records() {
			if r.Snapshot == name {
				return true
			}
		}
		return false
	})
	m.stop(d)
	target := btrfstest.NewFS(t, 1<<30, "")
	if code, out := m.cli(context.Background(), "restore", "--to", target, "--snapshot", name); code != 0 {
		t.Fatalf("restore of the interrupted backup %s exited %d:\n%s", name, code, out)
	}
	if got, _ := os.ReadFile(filepath.Join(target, name, "big.bin")); !bytes.Equal(got, big) {
		t.Errorf("restored big.bin of %s differs from the source (%d bytes, want %d)", name, len(got), len(big))
	}
}

// A manual push waits while the daemon works on the subvolume; with
// --no-wait it fails at once and names the daemon.
func TestManualPushWaitsForTheDaemon(t *testing.T) {
	m := newStation(t, "@daily")
	ctx := context.Background()
	held, err := m.state.LockLocal(ctx, "home", backup.LockOptions{Command: "daemon"}, nil)
	must(t, err)

	code, out := m.cli(ctx, "push", "--no-wait", "home")
	if code != 1 || !strings.Contains(out, "argo-backup daemon (pid ") {
		t.Errorf("push --no-wait during a daemon job: exit %d, want 1 and the daemon named:\n%s", code, out)
	}

	done := make(chan string, 1)
	var waiting syncBuffer
	go func() {
		code := execute(ctx, []string{"--config", m.config, "push", "home"}, &waiting, &waiting)
		done <- fmt.Sprintf("exit %d\n%s", code, waiting.String())
	}()
	m.eventually("push to wait for the lock", func() bool { return strings.Contains(waiting.String(), "waiting for the local lock") })
	if len(m.records()) != 0 {
		t.Fatal("push went ahead while the daemon held the lock")
	}
	must(t, held.Unlock())
	if out := <-done; !strings.HasPrefix(out, "exit 0\n") {
		t.Fatalf("push after the daemon's job: %s", out)
	}
	if len(m.records()) != 1 {
		t.Errorf("push committed %d backups after waiting, want 1", len(m.records()))
	}
	if st := m.statusJSON().Subvolumes["home"]; st.LastSuccess.IsZero() {
		t.Errorf("a manual push did not update the status file: %+v", st)
	}
}

// A daemon started on a fresh set-up can reach its first verify before the
// first backup has committed (here: home's first push fails): verify says
// there is nothing to check yet, and status does not show that as a failed
// verify.
func TestDaemonVerifyBeforeTheFirstBackup(t *testing.T) {
	m := newStation(t, "@daily")
	cfg, err := os.ReadFile(m.config)
	must(t, err)
	cfg = bytes.Replace(cfg, []byte(`verify: {schedule: ""}`), []byte(`verify: {schedule: "@every 1s"}`), 1)
	cfg = bytes.Replace(cfg, []byte("path: "+m.home), []byte("path: "+filepath.Join(m.fs, "plain")), 1)
	must(t, os.WriteFile(m.config, cfg, 0o600))
	d := m.startDaemon()
	m.eventually("a scheduled verify", func() bool {
		st, err := m.state.ReadStatus()
		if err != nil {
			return false
		}
		v := st.Tasks["verify"]
		return v != nil && (!v.LastSuccess.IsZero() || !v.LastFailure.IsZero())
	})
	m.stop(d)
	if !strings.Contains(d.out.String(), "nothing to check before the first backup") {
		t.Errorf("the daemon does not say verify had nothing to check:\n%s", d.out)
	}
	if v := m.statusJSON().Tasks["verify"]; v.Failing() || v.FailuresTotal != 0 || v.LastError != "" {
		t.Errorf("status shows the verify before the first backup as a failure: %+v", v)
	}
}
