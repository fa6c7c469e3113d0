package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// find whose output cannot be written (a full disk: /dev/full) fails
// saying so, instead of a short list and exit 0.
func TestFindOutputErrorIsAnError(t *testing.T) {
	m := newMachine(t)
	m.run(0, "push")
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err) // Linux always has /dev/full
	}
	defer full.Close()
	cmd := exec.Command(argoBinary(t), "--config", m.config, "find", "*", "--all")
	cmd.Stdout = full
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil || !strings.Contains(stderr.String(), "no space left on device") {
		t.Errorf("find into /dev/full: %v, stderr %q; want a failure naming the write error", err, stderr.String())
	}
}
