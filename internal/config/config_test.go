package config

import (
	"strings"
	"testing"
	"time"
)

const recipient = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq"

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := Parse([]byte(`
host: desk
recipients: ["` + recipient + `"]
subvolumes:
  - {name: home, path: /home, snapshot_dir: /home/.snapshots/argo-backup}
`))
	if err != nil {
		t.Fatal(err)
	}
	sv := cfg.Subvolumes[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"remote", cfg.Remote, "/var/lib/argo-backup/remote"},
		{"part_size", cfg.PartSize, ByteSize(32 << 20)},
		{"compression_level", cfg.CompressionLevel, 3},
		{"send_compressed_data", cfg.SendCompressedData, true},
		{"identity", cfg.Identity, "/etc/argo-backup/identity.txt"},
		{"verify.schedule", cfg.Verify.Schedule, "@daily"},
		{"verify.restore_schedule", cfg.Verify.RestoreSchedule, "@monthly"},
		{"verify.budget", cfg.Verify.Budget, "2GiB"},
		{"healthchecks_url", cfg.HealthchecksURL, ""},
		{"schedule", sv.Schedule, "@daily"},
		{"parents", sv.Parents, "chain"},
		{"full_every", sv.FullEvery, 720 * time.Hour},
		{"max_chain", sv.MaxChain, 30},
		{"keep_local", sv.KeepLocal, 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestParseConfigValues(t *testing.T) {
	cfg, err := Parse([]byte(`
host: desk
recipients: ["` + recipient + `"]
part_size: 128MiB
subvolumes:
  - name: root
    path: /
    snapshot_dir: /.snapshots/argo-backup
    full_every: 30d
    parents: tiered
    retention: {last: 7, daily: 14, weekly: 8, monthly: 12}
`))
	if err != nil {
		t.Fatal(err)
	}
	sv := cfg.Subvolumes[0]
	// full_every does not apply with tiered parents: dropped, with a warning.
	if cfg.PartSize != 128<<20 || sv.FullEvery != 0 || sv.Parents != "tiered" ||
		sv.Retention.Last != 7 || sv.Retention.Monthly != 12 {
		t.Errorf("parsed %+v, %+v", cfg, sv)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "full_every and max_chain do not apply with parents: tiered") {
		t.Errorf("warnings %q, want one about full_every with tiered parents", cfg.Warnings)
	}
}

func TestParseConfigTiers(t *testing.T) {
	cfg, err := Parse([]byte(`
host: desk
subvolumes:
  - {name: home, path: /home, snapshot_dir: /s, parents: tiered, tiers: [year, quarter, month, week]}
  - {name: root, path: /, snapshot_dir: /s2, parents: tiered}
`))
	if err != nil {
		t.Fatal(err)
	}
	home, err := cfg.Backup("home")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(home.Parents.Tiers, ","); got != "year,quarter,month,week" || home.Parents.FullEvery != 0 || home.Parents.MaxChain != 0 {
		t.Errorf("home's parents %+v", home.Parents)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %q for tiered parents without full_every", cfg.Warnings)
	}
}

// The ping URLs: global for pushes, a subvolume's own before it.
func TestParseConfigPings(t *testing.T) {
	cfg, err := Parse([]byte(`
host: desk
healthchecks_url: https://hc-ping.com/all
verify: {healthchecks_url: "https://hc-ping.com/v", budget: 20m}
subvolumes:
  - {name: home, path: /home, snapshot_dir: /s, healthchecks_url: "http://kuma.lan/api/push/x"}
  - {name: root, path: /, snapshot_dir: /s2}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.PushPing(&cfg.Subvolumes[0]); got != "http://kuma.lan/api/push/x" {
		t.Errorf("home pings %q, want its own URL", got)
	}
	if got := cfg.PushPing(&cfg.Subvolumes[1]); got != "https://hc-ping.com/all" {
		t.Errorf("root pings %q, want the global URL", got)
	}
	if cfg.Verify.HealthchecksURL != "https://hc-ping.com/v" || cfg.Verify.Budget != "20m" {
		t.Errorf("verify section %+v", cfg.Verify)
	}
}

// An older config that turned verify off keeps it off, test restore
// included, unless it asks for the restore test itself.
func TestParseConfigVerifyOff(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"verify: {schedule: ''}\n", ""},
		{"verify: {schedule: '', restore_schedule: '@weekly'}\n", "@weekly"},
		{"verify: {schedule: '@daily'}\n", "@monthly"},
		{"host: desk\n", "@monthly"},
	} {
		cfg, err := Parse([]byte(c.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Verify.RestoreSchedule != c.want {
			t.Errorf("%q: restore_schedule %q, want %q", c.yaml, cfg.Verify.RestoreSchedule, c.want)
		}
	}
}

func TestParseConfigEnvironment(t *testing.T) {
	t.Setenv("ARGO_BACKUP_PART_SIZE", "16MiB")
	t.Setenv("ARGO_BACKUP_HOST", "from-env")
	t.Setenv("ARGO_BACKUP_VERIFY_SCHEDULE", "@monthly")
	cfg, err := Parse([]byte(`recipients: ["` + recipient + `"]` + "\nhost: from-file\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PartSize != 16<<20 || cfg.Host != "from-env" || cfg.Verify.Schedule != "@monthly" {
		t.Errorf("environment not applied: part_size %v, host %q, verify %q", cfg.PartSize, cfg.Host, cfg.Verify.Schedule)
	}
}

func TestParseConfigErrors(t *testing.T) {
	sub := "subvolumes:\n  - {name: home, path: /home, snapshot_dir: /s"
	cases := []struct {
		yaml, want string
	}{
		{"recipent: [x]\n", "unknown key"},
		{sub + ", keep_locall: 3}\n", "keep_locall"},
		{sub + ", retention: {dayly: 3}}\n", "dayly"},
		{"part_size: huge\n", "is not a size"},
		{"compression_level: 40\n", "compression_level 40"},
		{sub + ", full_every: 720}\n", "with a unit"},
		{sub + ", full_every: soon}\n", "is not a duration"},
		{sub + ", parents: random}\n", "must be chain or tiered"},
		{sub + ", tiers: [month, week]}\n", "tiers apply to parents: tiered"},
		{sub + ", parents: tiered, tiers: [month, day]}\n", `"day" is not year, quarter, month or week`},
		{sub + ", parents: tiered, tiers: [week, month]}\n", "longest period first"},
		{sub + ", schedule: sometimes}\n", "sometimes"},
		{sub + ", max_chain: -1}\n", "max_chain -1: must not be negative"},
		{sub + ", full_every: -1h}\n", "full_every -1h0m0s: must not be negative"},
		{sub + ", keep_local: -1}\n", "keep_local -1 is negative"},
		{"host: keys\n", `host "keys"`},
		{"subvolumes:\n  - {name: locks, path: /h, snapshot_dir: /s}\n", `subvolumes[0].name "locks"`},
		{"subvolumes:\n  - {name: home, path: relative, snapshot_dir: /s}\n", "must be an absolute path"},
		{"subvolumes:\n  - {name: .hidden, path: /h, snapshot_dir: /s}\n", `".hidden"`},
		{sub + "}\n  - {name: home, path: /x, snapshot_dir: /s}\n", "used twice"},
		{"host: a/b\n", `host "a/b"`},
		{"state_dir: relative\n", "state_dir"},
		{"verify: {schedule: never}\n", "never"},
		{sub + ", schedule: \"@every 0s\"}\n", `schedule "@every 0s" fires more often than once a second`},
		{sub + ", schedule: \"@every 500ms\"}\n", "more often than once a second"},
		{"prune: {schedule: \"TZ=UTC @every 0s\"}\n", "prune.schedule: schedule"},
		{"verify: {restore_schedule: never}\n", "verify.restore_schedule"},
		{"verify: {budget: lots}\n", `verify.budget "lots": write a size like 2GiB or a duration like 20m`},
		{"healthchecks_url: hc-ping.com/abc\n", "healthchecks_url: \"hc-ping.com/abc\" is not an http(s) URL"},
		{"webhook_url: ftp://x/y\n", "webhook_url"},
		{"prune: {healthchecks_url: 'mailto:me'}\n", "prune.healthchecks_url"},
		{"verify: {healthchecks_url: 'https://'}\n", "verify.healthchecks_url"},
		{sub + ", healthchecks_url: x}\n", "subvolume home: healthchecks_url"},
		{"a: [unclosed\n", "not valid YAML"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one saying %q", c.yaml, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is more than one line: %q", c.yaml, err)
		}
	}
}

// FuzzParseConfig: no input makes the parser panic, and whatever it accepts
// is a config the rest of the program can rely on. Seeds: the configs of
// docs/configuration.md as written. The environment of the machine running
// it does not leak in: ARGO_BACKUP_* variables are removed for the run.
func FuzzParseConfig(f *testing.F) {
	withoutArgoEnvironment(f)
	for _, yaml := range docConfigs(f) {
		f.Add([]byte(yaml))
	}
	f.Add([]byte("host: desk\nrecipients: [\"" + recipient + "\"]\n"))
	f.Add([]byte("subvolumes:\n  - {name: home, path: /home, snapshot_dir: /s, full_every: 30d}\n"))
	f.Add([]byte("part_size: 1GiB\nretention: {last: 1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			return
		}
		if cfg.PartSize < 1<<20 || cfg.Host == "" || cfg.Remote == "" {
			t.Errorf("accepted a config with part_size %v, host %q, remote %q", cfg.PartSize, cfg.Host, cfg.Remote)
		}
		for _, sv := range cfg.Subvolumes {
			if sv.Name == "" || sv.SnapshotDir == "" || (sv.Parents != "chain" && sv.Parents != "tiered") {
				t.Errorf("accepted subvolume %+v", sv)
			}
		}
	})
}

// Schedules firing more often than once a minute are valid but warned
// about; cron lines (at most once a minute) and longer intervals are not.
func TestScheduleWarnings(t *testing.T) {
	cases := []struct {
		schedule string
		warn     bool
	}{
		{"@every 10s", true},
		{"TZ=Europe/Berlin @every 59s", true},
		{"@every 1m", false},
		{"* * * * *", false},
		{"@daily", false},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte("subvolumes:\n  - {name: home, path: /home, snapshot_dir: /s, schedule: \"" + c.schedule + "\"}\n"))
		if err != nil {
			t.Fatalf("%s: %v", c.schedule, err)
		}
		w := cfg.ScheduleWarnings()
		if got := len(w) == 1 && strings.Contains(w[0], "subvolume home: schedule"); got != c.warn {
			t.Errorf("%s: warnings %q, want a warning: %v", c.schedule, w, c.warn)
		}
	}
}
