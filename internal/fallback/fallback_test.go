package fallback

import (
	"bytes"
	"log/slog"
	"testing"
	"time"
)

func TestLog(t *testing.T) {
	var buf bytes.Buffer
	mine := slog.New(slog.NewTextHandler(&buf, nil))
	Log(mine).Info("kept")
	Log(nil).Info("dropped") // must not panic, must go nowhere
	if got := buf.String(); !bytes.Contains([]byte(got), []byte("kept")) || bytes.Contains([]byte(got), []byte("dropped")) {
		t.Errorf("log output %q: want the line given to the set logger only", got)
	}
}

func TestNow(t *testing.T) {
	fixed := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	if got := Now(func() time.Time { return fixed }); !got.Equal(fixed) {
		t.Errorf("Now(set clock) = %v, want %v", got, fixed)
	}
	before := time.Now()
	if got := Now(nil); got.Before(before) || got.After(time.Now()) {
		t.Errorf("Now(nil) = %v, want the wall clock", got)
	}
}
