package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/backup"
)

// Folders prune leaves alone (a record state_dir does not know, planted or
// not; no snapshot name) are neither "keep" rows nor counted as kept, and
// the dry run counts exactly what the real prune then reports.
func TestPruneReportLeftAlone(t *testing.T) {
	report := func(dry bool) *backup.PruneReport {
		return &backup.PruneReport{Host: "desk", Subvolume: "home", DryRun: dry,
			Backups: []backup.PruneVerdict{
				{Snapshot: "home.1", Keep: false, Reasons: []string{"outside retention"}, Objects: 3, Bytes: 30, Deleted: !dry},
				{Snapshot: "home.2", Keep: true, Reasons: []string{"last 1/1"}, Objects: 3, Bytes: 30},
			},
			Leftovers: []backup.LeftoverDir{
				{Snapshot: "home.0", Objects: 2, Bytes: 20, Delete: true, Deleted: !dry, Why: "unfinished push"},
				{Snapshot: "home.9", Objects: 3, Bytes: 30, Why: "a record this host's state_dir has no copy of"},
				{Snapshot: "evil", Objects: 1, Bytes: 10, Why: "not a snapshot of home: left alone"},
			}}
	}
	tests := []struct {
		dry  bool
		want []string
	}{
		{true, []string{`(?m)^home\.9 +leave +a record`, `(?m)^evil +leave +not a snapshot`,
			`(?m)^1 kept; would delete 1 backups and 1 unfinished pushes: 5 objects, 50 B; 2 other folders left alone \(see WHY\)$`}},
		{false, []string{`(?m)^home\.9 +leave +a record`, `(?m)^evil +leave +not a snapshot`,
			`(?m)^1 kept; deleted 1 backups and 1 unfinished pushes: 5 objects, 50 B; 2 other folders left alone \(see WHY\)$`}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		printPruneReport(&out, report(tt.dry))
		for _, re := range tt.want {
			if !regexp.MustCompile(re).MatchString(out.String()) {
				t.Errorf("dry run %v: the report does not match %s:\n%s", tt.dry, re, out.String())
			}
		}
		if n := strings.Count(out.String(), " keep "); n != 1 {
			t.Errorf("dry run %v: %d keep rows, want 1 (the kept backup):\n%s", tt.dry, n, out.String())
		}
	}
}
