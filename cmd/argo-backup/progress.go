package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// termBars draws a bar per snapshot on a terminal: bytes in IEC units
// (B, KiB, MiB), the rate and, when a total is given, percent and ETA. It
// implements backup.Progress and restore.Progress. While a bar is live, the
// log lines are printed above it (logs), never under it, where its redraw
// would erase them.
//
// With estimated set (push), the total is a guess from earlier backups:
// the bar says so ("~"), and grows the total when the stream turns out
// bigger rather than sitting at 100%. Without a total, it counts up.
type termBars struct {
	w         io.Writer
	logs      *logSwitch
	estimated bool

	mu    sync.Mutex
	p     *mpb.Progress
	bar   *mpb.Bar
	total int64
	start time.Time
}

func newTermBars(w io.Writer, logs *logSwitch) *termBars { return &termBars{w: w, logs: logs} }

func (t *termBars) Start(name string, total int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// termBars is only made for a terminal, but one that reports no size
	// reaches mpb as a plain writer (sizedTerminal): mpb refreshes that
	// only when told to, and takes the width as the whole line's.
	width := 32
	if _, ok := t.w.(*os.File); !ok {
		width = 100
	}
	t.p = mpb.New(mpb.WithOutput(t.w), mpb.WithWidth(width), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())
	t.total, t.start = max(total, 0), time.Now()
	var filler mpb.BarFillerBuilder = mpb.BarStyle()
	if t.total == 0 {
		filler = mpb.SpinnerStyle()
	}
	// mpb completes a bar when it reaches the total it was made with,
	// whatever SetTotal said since: an estimate is given after, so that
	// only Finish completes the bar (a bar made with the estimate froze at
	// it when the stream turned out bigger).
	made := t.total
	if t.estimated {
		made = 0
	}
	t.bar = t.p.New(made, filler, mpb.BarFillerClearOnComplete(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Any(t.counters, decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(t.rateAndETA, decor.WCSyncSpace)))
	if made != t.total {
		t.bar.SetTotal(t.total, false)
	}
	if t.logs != nil {
		t.logs.route(t.p)
	}
}

// counters is "12.0 MiB / 40.0 MiB", or with an estimate "/ ~40.0 MiB",
// and only the bytes when there is no total or the bar is done.
func (t *termBars) counters(s decor.Statistics) string {
	if s.Total <= 0 || s.Completed || t.total == 0 {
		return iec(s.Current)
	}
	approx := ""
	if t.estimated {
		approx = "~"
	}
	return fmt.Sprintf("%s / %s%s", iec(s.Current), approx, iec(s.Total))
}

// rateAndETA is "30% 12.5 MiB/s ETA 3s" while running, and the final
// average rate with the time taken when done.
func (t *termBars) rateAndETA(s decor.Statistics) string {
	elapsed := time.Since(t.start)
	rate := float64(s.Current) / max(elapsed.Seconds(), 0.001)
	if s.Completed || t.total == 0 || s.Total <= 0 {
		suffix := ""
		if s.Completed {
			suffix = " in " + elapsed.Round(100*time.Millisecond).String()
		}
		return fmt.Sprintf("%s/s%s", iec(int64(rate)), suffix)
	}
	approx := ""
	if t.estimated {
		approx = "~"
	}
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(s.Total-s.Current)/rate) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("%s%d%% %s/s ETA %s%s", approx, 100*s.Current/s.Total, iec(int64(rate)), approx, eta)
}

// iec is n bytes in IEC units: 225 B, 1.5 KiB, 12.0 MiB.
func iec(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return humanize.IBytes(uint64(n))
}

func (t *termBars) Add(n int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar == nil {
		return
	}
	// An estimate that turns out short grows by a quarter before the bar
	// would complete on it: a push ends when its stream ends, not before.
	if cur := t.bar.Current() + n; t.estimated && t.total > 0 && cur >= t.total {
		t.total = cur + cur/4
		t.bar.SetTotal(t.total, false)
	}
	t.bar.IncrInt64(n)
}

// Finish draws the last frame: the bytes, the average rate and the time,
// no spinner or bar left behind.
func (t *termBars) Finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar == nil {
		return
	}
	t.bar.SetTotal(-1, true) // complete at whatever was counted
	t.p.Wait()
	if t.logs != nil {
		t.logs.route(nil)
	}
	t.bar, t.p = nil, nil
}

// progress returns bars when stderr is a terminal and --quiet is not given;
// otherwise nil, and the logs tell the story.
func (a *app) progress() *termBars {
	if !a.interactive() {
		return nil
	}
	return newTermBars(sizedTerminal(a.stderr), a.logSink())
}

// sizedTerminal is w, hidden behind a plain writer when it is a terminal
// that reports no size (0 columns: a pty nobody sized, such as script(1)
// without a terminal of its own, some serial consoles). mpb draws nothing
// at all on one, for the whole push; behind the plain writer it draws
// its frames at its default width.
func sizedTerminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return w
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
		return w
	}
	return struct{ io.Writer }{f}
}
