package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/sendstream"
)

// The text report names, one line each, what a native restore set and what
// it could not, with the chattr letters sorted.
func TestPrintNativeReport(t *testing.T) {
	for _, c := range []struct {
		name   string
		report sendstream.Report
		want   []string
	}{
		{"complete", sendstream.Report{Streams: 1}, nil},
		{"flags", sendstream.Report{FileattrsApplied: 3, FileattrsSkipped: map[string]int{"S": 1, "C": 2}}, []string{
			"home: inode flags (chattr) set on 3 files and directories",
			"home: NOT restored: inode flags (chattr) the target or user cannot set: C (2), S (1)",
		}},
		{"xattrs and owners", sendstream.Report{OwnersLeft: 4, XattrsSkipped: map[string]int{"trusted.x": 1, "security.capability": 2}}, []string{
			"home: NOT restored: owners of 4 paths (not running as root; they belong to you)",
			"home: NOT restored: extended attributes the target refused: security.capability (2), trusted.x (1)",
		}},
	} {
		var out bytes.Buffer
		printNativeReport(&out, "home", &c.report)
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			got = nil
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: printed\n%s\nwant\n%s", c.name, out.String(), strings.Join(c.want, "\n"))
		}
	}
}
