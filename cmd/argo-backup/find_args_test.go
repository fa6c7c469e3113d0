package main

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// find's PATTERN is checked before anything is read: an empty one is a
// usage error (it would list everything), and a bad glob names the fix.
func TestFindPatternArgs(t *testing.T) {
	for _, tc := range []struct {
		pattern, want string
	}{
		{"", "not empty"},
		{"[", `\[`},
	} {
		var stderr bytes.Buffer
		if code := execute(context.Background(), []string{"find", tc.pattern}, io.Discard, &stderr); code != 2 {
			t.Errorf("find %q exited %d, want 2", tc.pattern, code)
		}
		requireOneLine(t, stderr.String(), tc.want)
	}
}
