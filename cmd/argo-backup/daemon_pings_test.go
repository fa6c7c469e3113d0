package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The daemon, configured from YAML, pings each job kind's own check: the
// push, the budgeted verify and prune each send start and success, and the
// failing subvolume's own check gets /fail with its error.
func TestDaemonPingsFromConfig(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, strings.TrimSpace(r.Method+" "+r.URL.Path+" "+firstLineOf(string(body))))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)

	m := newStation(t, "@yearly")
	m.writeConfig("  - name: broken\n    path: " + m.fs + "/plain\n    snapshot_dir: " + m.fs + "/@snapshots\n" +
		"    schedule: \"@yearly\"\n    healthchecks_url: " + srv.URL + "/broken\n")
	cfg := readFile(t, m.config)
	cfg = strings.Replace(cfg, `prune: {schedule: ""}`, `prune: {schedule: "@yearly", healthchecks_url: "`+srv.URL+`/prune"}`, 1)
	cfg = strings.Replace(cfg, `verify: {schedule: ""}`, `verify: {schedule: "@yearly", budget: 1GiB, restore_schedule: "", healthchecks_url: "`+srv.URL+`/verify"}`+
		"\nhealthchecks_url: "+srv.URL+"/push", 1)
	must(t, os.WriteFile(m.config, []byte(cfg), 0o600))

	d := m.startDaemon()
	want := []string{"GET /push/start", "GET /push", "GET /broken/start", "POST /broken/fail", "GET /prune/start", "GET /prune",
		"GET /verify/start", "GET /verify"}
	m.eventually("every ping", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range want {
			if !slices.ContainsFunc(got, func(g string) bool { return g == w || strings.HasPrefix(g, w+" ") }) {
				return false
			}
		}
		return true
	})
	m.stop(d)
	mu.Lock()
	defer mu.Unlock()
	for _, g := range got {
		if strings.HasPrefix(g, "POST /broken/fail") && !strings.Contains(g, "not a btrfs subvolume") {
			t.Errorf("the fail ping's body does not carry the error: %q", g)
		}
		if strings.HasPrefix(g, "POST /push/fail") || strings.HasPrefix(g, "POST /verify/fail") || g == "GET /broken" {
			t.Errorf("unexpected ping %q; all: %q", g, got)
		}
	}
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
