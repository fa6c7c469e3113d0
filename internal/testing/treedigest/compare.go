package treedigest

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Require fails t with every difference between two digests, naming what
// was compared.
func Require(t testing.TB, what string, want, got Digest) {
	t.Helper()
	diffs := Diff(want, got)
	if len(diffs) > 20 {
		diffs = append(diffs[:20], fmt.Sprintf("... and %d more", len(diffs)-20))
	}
	if len(diffs) > 0 {
		t.Fatalf("%s: %d paths differ:\n%s", what, len(diffs), strings.Join(diffs, "\n"))
	}
}

// Diff returns the differences between two digests, sorted. Data layouts
// (Options.Layout) are compared apart: where btrfs keeps a zeroed block as
// data (it does, for some punched ranges of compressed extents) another
// filesystem may have a hole, but a restore must never have data where the
// wanted tree has a hole.
func Diff(want, got Digest) []string {
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		wline, wdata := splitLayout(w)
		gline, gdata := splitLayout(g)
		if !ok {
			diffs = append(diffs, fmt.Sprintf("missing %q: %s", p, w))
		} else if gline != wline || !within(gdata, wdata) {
			diffs = append(diffs, fmt.Sprintf("%q:\n   want %s\n    got %s", p, w, g))
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("extra %q: %s", p, g))
		}
	}
	slices.Sort(diffs)
	return diffs
}

var layoutField = regexp.MustCompile(` data=[0-9,-]*`)

// splitLayout takes the data layout out of a digest line, as block numbers.
func splitLayout(line string) (string, []int64) {
	f := layoutField.FindString(line)
	var blocks []int64
	for _, seg := range strings.Split(strings.TrimPrefix(f, " data="), ",") {
		var a, b int64
		if _, err := fmt.Sscanf(seg, "%d-%d", &a, &b); err == nil {
			for i := a; i < b; i++ {
				blocks = append(blocks, i)
			}
		}
	}
	return layoutField.ReplaceAllString(line, ""), blocks
}

// within reports whether every block of got is a block of want.
func within(got, want []int64) bool {
	set := make(map[int64]bool, len(want))
	for _, b := range want {
		set[b] = true
	}
	for _, b := range got {
		if !set[b] {
			return false
		}
	}
	return true
}
