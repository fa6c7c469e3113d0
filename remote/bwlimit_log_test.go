package remote

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recordsTo is a slog handler that hands each record's message and
// attributes to a channel.
type recordsTo chan map[string]string

func (h recordsTo) Enabled(context.Context, slog.Level) bool { return true }
func (h recordsTo) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordsTo) WithGroup(string) slog.Handler            { return h }
func (h recordsTo) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool { m[a.Key] = a.Value.String(); return true })
	h <- m
	return nil
}

// A timetable that turns while the limit is in force (the daemon runs for
// weeks) says so in the log, with the rates now in force. Not parallel:
// the limit, the clock and the default logger are process-wide.
func TestBwLimitTimetableTurnIsLogged(t *testing.T) {
	limit, err := ParseBwLimit("08:00,512k 12:00,2M:off")
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 30, 11, 59, 0, 0, time.Local).UnixNano())
	oldClock, oldTick, oldLog := bwClock, bwTick, slog.Default()
	bwClock = func() time.Time { return time.Unix(0, now.Load()) }
	bwTick = 5 * time.Millisecond
	records := make(recordsTo, 16)
	slog.SetDefault(slog.New(records))
	var once sync.Once
	restore := func() { once.Do(func() { bwClock, bwTick = oldClock, oldTick; slog.SetDefault(oldLog) }) }
	t.Cleanup(restore)

	stop := LimitBandwidth(context.Background(), limit) // at 11:59: nothing to say
	defer stop()
	now.Store(time.Date(2026, 11, 30, 12, 0, 0, 0, time.Local).UnixNano())
	deadline := time.After(10 * time.Second) // a guard, far beyond one tick
	for {
		var r map[string]string
		select {
		case r = <-records:
		case <-deadline:
			t.Fatal("no log line when the timetable turned at 12:00")
		}
		if r["msg"] != "bandwidth limit now" {
			continue // rclone's own records
		}
		if r["upload"] != "2 MiB/s" || r["download"] != "unlimited" || r["bwlimit"] != "08:00,512k 12:00,2M:off" {
			t.Errorf("first line about the limit: %v, want the turn at 12:00 to upload 2 MiB/s, download unlimited", r)
		}
		break
	}
	stop()
	restore()
}
