package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hinshun/vt10x"
)

// A push on a terminal prints its log lines above the live bar, never
// under it where a redraw erases them. The push pauses with its bar drawn
// (after part 0), then carries on: `-v` logs parts 1 to 3 as they are
// stored, after the bar's frames began, and every one of those lines is on
// the final screen (the output rendered by a terminal emulator), as is the
// bar's last frame in IEC units with a final rate.
func TestPushBarNeverErasesALogLine(t *testing.T) {
	m := newMachine(t)
	m.grow(0) // 3 MiB: parts 0 to 3 at part_size 1MiB

	term := startOnTerminalEnv(t, t.TempDir(), []string{pauseEnv + "=mid-upload"}, "--config", m.config, "-v", "push")
	term.waitFor("test pause at mid-upload")
	term.waitFor("MiB/s") // a frame of the bar, drawn while paused
	if err := term.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if code := term.wait(); code != 0 {
		t.Fatalf("push on a terminal exited %d:\n%s", code, term.output())
	}
	screen := render(term.output(), 120, 100)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`DBG part stored object=\S+part-000001`),
		regexp.MustCompile(`DBG part stored object=\S+part-000002`),
		regexp.MustCompile(`DBG part stored object=\S+part-000003`),
		regexp.MustCompile(`home: committed home\.`),
		regexp.MustCompile(`home\.\d{8}T\d{6}Z +\d+\.\d MiB +\d+(\.\d)? [KM]iB/s in `), // the last frame: bytes, final rate, time
	} {
		if !want.MatchString(screen) {
			t.Errorf("the final screen lacks %s:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, " b ") || strings.Contains(screen, " b/s") {
		t.Errorf("bytes shown as b, not B, KiB or MiB:\n%s", screen)
	}
	if strings.Contains(screen, "level=") {
		t.Errorf("logfmt lines on a terminal:\n%s", screen)
	}
	if t.Failed() {
		t.Logf("raw output: %q", term.output())
	}

	// A second full has the first one's size to go by: the bar shows
	// percent and ETA, both marked as estimates.
	m.grow(1)
	term = startOnTerminalEnv(t, t.TempDir(), []string{pauseEnv + "=mid-upload"}, "--config", m.config, "push", "--full")
	term.waitFor("test pause at mid-upload")
	term.waitFor("MiB / ~") // part 0 stored: the bar counts stored bytes
	term.waitFor("ETA ~")
	if !regexp.MustCompile(`MiB / ~\d+\.\d MiB .*~\d+% `).MatchString(render(term.output(), 120, 100)) {
		t.Errorf("the bar of a full with an estimate lacks ~total and ~percent:\n%s", render(term.output(), 120, 100))
	}
	if err := term.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if code := term.wait(); code != 0 {
		t.Fatalf("push --full exited %d:\n%s", code, term.output())
	}
}

// render is what a terminal of cols x rows shows after out.
func render(out string, cols, rows int) string {
	vt := vt10x.New(vt10x.WithSize(cols, rows))
	vt.Write([]byte(out))
	return vt.String()
}
