package main

import (
	"strings"
	"testing"
)

// Two hosts sharing one remote (and one key) each see the other in the
// fleet view, and each one's backups stay apart.
func TestFleetView(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	desktop := m.writeConfig("desktop.yaml", m.home, "")
	desktopCfg := strings.Replace(readFile(t, desktop), "host: testhost", "host: desktop", 1)
	writeFile(t, desktop, desktopCfg)
	m.runWith(desktop, 0, "push")

	out, _ := m.run(0, "list", "--all-hosts")
	for _, want := range []string{"HOST", "testhost", "desktop", "home.20"} {
		if !strings.Contains(out, want) {
			t.Errorf("fleet view lacks %q:\n%s", want, out)
		}
	}
	out, _ = m.run(0, "list", "--host", "desktop", "--json")
	if strings.Contains(out, `"host": "testhost"`) || !strings.Contains(out, `"host": "desktop"`) {
		t.Errorf("list --host desktop mixes hosts:\n%s", out)
	}
}
