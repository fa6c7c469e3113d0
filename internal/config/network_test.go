package config

import (
	"strings"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/internal/errs"
)

func TestNetworkDefaults(t *testing.T) {
	cfg, err := Parse([]byte("host: desk\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Transfers != 4 || cfg.BwLimit != "" {
		t.Errorf("transfers %d, bwlimit %q; want 4 and none", cfg.Transfers, cfg.BwLimit)
	}
}

func TestNetworkValues(t *testing.T) {
	cases := []struct {
		yaml     string
		at       time.Time
		up, down int64
	}{
		{"bwlimit: 10M", time.Now(), 10 << 20, 10 << 20},
		{"bwlimit: 1M:512k", time.Now(), 1 << 20, 512 << 10},
		{`bwlimit: "08:00,2M 23:00,off"`, time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local), 2 << 20, 2 << 20},
		{`bwlimit: "08:00,2M 23:00,off"`, time.Date(2026, 11, 30, 23, 30, 0, 0, time.Local), -1, -1},
		{`bwlimit: "08:00,2M 23:00,off"`, time.Date(2026, 11, 30, 3, 0, 0, 0, time.Local), -1, -1},
		{"bwlimit: off", time.Now(), -1, -1},
	}
	for _, c := range cases {
		cfg, err := Parse([]byte("host: desk\ntransfers: 16\n" + c.yaml + "\n"))
		if err != nil {
			t.Errorf("%s: %v", c.yaml, err)
			continue
		}
		limit, err := ParseBwLimit("bwlimit", cfg.BwLimit)
		if err != nil {
			t.Fatal(err)
		}
		if up, down := limit.At(c.at); up != c.up || down != c.down {
			t.Errorf("%s at %s: up %d down %d, want %d %d", c.yaml, c.at.Format("15:04"), up, down, c.up, c.down)
		}
		if cfg.Transfers != 16 {
			t.Errorf("transfers %d, want 16", cfg.Transfers)
		}
	}
}

func TestNetworkBadInput(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"transfers: 0", "transfers 0: must be between 1 and 64"},
		{"transfers: -2", "transfers -2"},
		{"transfers: 65", "transfers 65"},
		{"bwlimit: 10X", `bwlimit: "10X" is not a bandwidth limit rclone accepts`},
		{`bwlimit: "08:00,2M 25:00,off"`, "not a bandwidth limit"},
		{`bwlimit: "08:00,2M 08:00,off"`, "overlapping times"},
		{`bwlimit: "Mon-08:00,2M 08:00,1M"`, "Monday 08:00 twice"},
	}
	for _, c := range cases {
		_, err := Parse([]byte("host: desk\n" + c.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.yaml, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is more than one line: %q", c.yaml, err)
		}
	}
	if err := ValidTransfers("--transfers", 100); !errs.IsUser(err) || !strings.Contains(err.Error(), "--transfers 100") {
		t.Errorf("--transfers 100: %v, want a user error naming the flag", err)
	}
}
