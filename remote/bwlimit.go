package remote

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/accounting"
)

// BwLimit is a bandwidth limit in rclone's --bwlimit syntax: "off", a rate
// ("10M"), an upload:download pair ("10M:50M") or a timetable of such
// values ("08:00,2M 23:00,off", "Mon-08:00,512k Sat-00:00,off"). The zero
// value is no limit.
type BwLimit struct {
	table fs.BwTimetable
	text  string
}

// ParseBwLimit parses s with rclone's own parser and refuses a timetable
// that names the same time twice, which rclone would silently resolve.
func ParseBwLimit(s string) (BwLimit, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return BwLimit{}, nil
	}
	var t fs.BwTimetable
	if err := t.Set(s); err != nil {
		// rclone's own error quotes Go internals (strconv.ParseFloat
		// and a clipped value): the user needs the syntax, not those.
		return BwLimit{}, fmt.Errorf("%q is not a bandwidth limit rclone accepts: write it like 10M, 10M:50M (upload:download), off, or a timetable \"08:00,2M 23:00,off\"", s)
	}
	seen := map[int]bool{}
	for _, slot := range t {
		at := slot.DayOfTheWeek*10000 + slot.HHMM
		if seen[at] {
			return BwLimit{}, fmt.Errorf("%q: the timetable sets %s %02d:%02d twice (overlapping times): give each time one rate",
				s, time.Weekday(slot.DayOfTheWeek), slot.HHMM/100, slot.HHMM%100)
		}
		seen[at] = true
	}
	return BwLimit{table: t, text: s}, nil
}

// String is the limit as written, "" for none.
func (b BwLimit) String() string { return b.text }

// IsSet reports whether the limit ever limits anything.
func (b BwLimit) IsSet() bool {
	for _, slot := range b.table {
		if slot.Bandwidth.IsSet() {
			return true
		}
	}
	return false
}

// At returns the upload and download limits in bytes per second at t; a
// negative value is no limit.
func (b BwLimit) At(t time.Time) (up, down int64) {
	if len(b.table) == 0 {
		return -1, -1
	}
	bw := b.table.LimitAt(t).Bandwidth
	return int64(bw.Tx), int64(bw.Rx)
}

// limiter serializes changes to rclone's process-wide token bucket.
var limiter struct {
	mu   sync.Mutex
	stop func()
}

// bwClock and bwTick are the clock a timetable is followed by and how often
// it is looked at; tests shorten both.
var (
	bwClock = time.Now
	bwTick  = time.Minute
)

// rate is a limit in bytes per second for the log: "unlimited" when not set.
func rate(n fs.SizeSuffix) string {
	if n <= 0 {
		return "unlimited"
	}
	return n.ByteUnit() + "/s"
}

// LimitBandwidth throttles every transfer of this process to b, with
// rclone's token bucket (accounting.TokenBucket): uploads and downloads of
// every Store, shared, the way rclone's own --bwlimit works. A timetable is
// followed minute by minute. It replaces any earlier limit; the limit ends
// when ctx ends or stop is called, whichever is first.
//
// rclone applies upload and download limits separately to network
// connections; on a local-directory remote only a limit set in both
// directions applies (rclone's accounting slot).
func LimitBandwidth(ctx context.Context, b BwLimit) (stop func()) {
	limiter.mu.Lock()
	defer limiter.mu.Unlock()
	if limiter.stop != nil {
		limiter.stop() // waits until the old limit is gone
	}
	ctx, cancel := context.WithCancel(ctx)
	current := fs.BwPair{Tx: -1, Rx: -1}
	apply := func(first bool) {
		want := fs.BwPair{Tx: -1, Rx: -1}
		if len(b.table) > 0 {
			want = b.table.LimitAt(bwClock()).Bandwidth
		}
		if want != current {
			accounting.TokenBucket.SetBwLimit(want)
			current = want
			// A daemon that runs for weeks says when its timetable
			// turns, so that a slow night can be told from a limit.
			if !first {
				slog.Default().Info("bandwidth limit now", "bwlimit", b.text,
					"upload", rate(want.Tx), "download", rate(want.Rx))
			}
		}
	}
	apply(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(bwTick)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				apply(false)
			case <-ctx.Done():
				accounting.TokenBucket.SetBwLimit(fs.BwPair{Tx: -1, Rx: -1})
				return
			}
		}
	}()
	limiter.stop = func() {
		cancel()
		<-done
	}
	return limiter.stop
}
