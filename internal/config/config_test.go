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
		{"verify.schedule", cfg.Verify.Schedule, "@weekly"},
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
	if cfg.PartSize != 128<<20 || sv.FullEvery != 30*24*time.Hour || sv.Parents != "tiered" ||
		sv.Retention.Last != 7 || sv.Retention.Monthly != 12 {
		t.Errorf("parsed %+v, %+v", cfg, sv)
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
		{sub + ", schedule: sometimes}\n", "sometimes"},
		{"subvolumes:\n  - {name: home, path: relative, snapshot_dir: /s}\n", "must be an absolute path"},
		{"subvolumes:\n  - {name: .hidden, path: /h, snapshot_dir: /s}\n", `".hidden"`},
		{sub + "}\n  - {name: home, path: /x, snapshot_dir: /s}\n", "used twice"},
		{"host: a/b\n", `host "a/b"`},
		{"state_dir: relative\n", "state_dir"},
		{"verify: {schedule: never}\n", "never"},
		{sub + ", schedule: \"@every 0s\"}\n", `schedule "@every 0s" fires more often than once a second`},
		{sub + ", schedule: \"@every 500ms\"}\n", "more often than once a second"},
		{"prune: {schedule: \"TZ=UTC @every 0s\"}\n", "prune: schedule"},
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
// is a config the rest of the program can rely on.
func FuzzParse(f *testing.F) {
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
		w := cfg.Warnings()
		if got := len(w) == 1 && strings.Contains(w[0], "subvolume home: schedule"); got != c.warn {
			t.Errorf("%s: warnings %q, want a warning: %v", c.schedule, w, c.warn)
		}
	}
}
