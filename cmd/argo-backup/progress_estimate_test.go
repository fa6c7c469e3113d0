package main

import (
	"bytes"
	"testing"
)

// A push's estimate is a guess from earlier backups: a stream bigger than
// it keeps counting, and the bar completes only when the push ends. The
// trial found the bar frozen at the estimate (mpb completes a bar at the
// total it was made with).
func TestEstimatedBarCountsPastItsEstimate(t *testing.T) {
	var out bytes.Buffer
	bars := newTermBars(&out, nil)
	bars.estimated = true
	bars.Start("home.1", 1000)
	for range 10 {
		bars.Add(500)
	}
	bars.mu.Lock()
	current, done := bars.bar.Current(), bars.bar.Completed()
	bars.mu.Unlock()
	if current != 5000 || done {
		t.Errorf("after 5000 bytes against an estimate of 1000: the bar counts %d, completed %v; want 5000, not completed", current, done)
	}
	bars.Finish()
}
