package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verify --quick --budget through the CLI: nothing to check before the
// first push (exit 0, said so); then a full read-back within a large
// budget, its check log in state_dir, which may be lost or garbage; and
// the budget's bad input, one line and exit 2.
func TestVerifyBudgetCLI(t *testing.T) {
	m := newMachine(t)
	out, _ := m.run(0, "verify", "--quick", "--budget", "1GiB")
	if !strings.Contains(out, "nothing to check yet") {
		t.Errorf("before the first push, verify --budget says:\n%s", out)
	}
	m.run(0, "push")
	out, _ = m.run(0, "verify", "--quick", "--budget", "1GiB")
	if !strings.Contains(out, "coverage: 100.0%") {
		t.Errorf("a budget larger than the remote did not cover it all:\n%s", out)
	}
	log := filepath.Join(m.dir, "state", "checks", "testhost", "home.json")
	if !strings.Contains(readFile(t, log), "part-000000.zst.age") {
		t.Errorf("the check log does not name the part read back")
	}
	writeFile(t, log, "{garbage")
	m.run(0, "verify", "--quick", "--budget", "20m")
	os.Remove(log)
	m.run(0, "verify", "--quick", "--budget", "20m", "--json")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--budget", "2GiB"}, "add --quick"},
		{[]string{"verify", "--quick", "--budget", "lots"}, `budget "lots": write a size like 2GiB or a duration like 20m`},
		{[]string{"verify", "--quick", "--budget", "20"}, "write a size like 2GiB"},
		{[]string{"verify", "--quick", "--budget", "1GiB", "--snapshot", "home.20260101T000000Z"}, "drop --snapshot"},
	} {
		_, stderr := m.run(2, c.args...)
		if !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: stderr %q, want one line saying %q", c.args, stderr, c.want)
		}
	}
	for _, extra := range []string{"healthchecks_url: hc-ping.com/x\n", "verify: {budget: lots}\n"} {
		_, stderr := m.runWith(m.writeConfig("bad.yaml", m.home, extra), 2, "push")
		if strings.Count(strings.TrimSpace(stderr), "\n") > 0 || !strings.Contains(stderr, strings.SplitN(extra, ":", 2)[0]) {
			t.Errorf("config with %q: stderr %q, want one line naming the key", extra, stderr)
		}
	}
	recs, _ := filepath.Glob(filepath.Join(m.dir, "remote", "testhost", "home", "*", "record.json.age"))
	if len(recs) != 1 {
		t.Errorf("%d backups after the refused pushes, want the 1 from before", len(recs))
	}
}
