package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Durations are seconds in JSON and Go durations in text; a time that
// never happened says never in both; the format follows --log-format.
func TestLogValues(t *testing.T) {
	cases := []struct {
		format string
		want   []string
	}{
		{"json", []string{`"duration":2.011`, `"last_success":"never"`, `"level":"INFO"`}},
		{"text", []string{`duration=2.011s`, `last_success=never`, `level=INFO`}},
		{"", []string{`duration=2.011s`, `last_success=never`, `level=INFO`}}, // not a terminal: logfmt
	}
	for _, c := range cases {
		var out bytes.Buffer
		g := &globals{stderr: &out, logFormat: c.format}
		g.logger().Info("backup done", "duration", 2011*time.Millisecond, "last_success", time.Time{})
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("--log-format %q: %q lacks %s", c.format, out.String(), w)
			}
		}
	}
}
