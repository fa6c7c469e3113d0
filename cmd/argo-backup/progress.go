package main

import (
	"io"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// termBars draws a bar per snapshot on a terminal: bytes, rate and, when the
// total is known (restore, verify), percent and ETA. A push does not know
// its stream's size in advance, so its bar counts up. It implements
// backup.Progress and restore.Progress.
type termBars struct {
	w   io.Writer
	mu  sync.Mutex
	p   *mpb.Progress
	bar *mpb.Bar
}

func newTermBars(w io.Writer) *termBars { return &termBars{w: w} }

func (t *termBars) Start(name string, total int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.p = mpb.New(mpb.WithOutput(t.w), mpb.WithWidth(32))
	speed := decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace)
	if total <= 0 {
		t.bar = t.p.New(0, mpb.SpinnerStyle(),
			mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Current(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace)),
			mpb.AppendDecorators(speed))
		return
	}
	t.bar = t.p.New(total, mpb.BarStyle(),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR), decor.Counters(decor.SizeB1024(0), "% .1f / % .1f", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), speed, decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)))
}

func (t *termBars) Add(n int64) {
	t.mu.Lock()
	bar := t.bar
	t.mu.Unlock()
	if bar != nil {
		bar.IncrInt64(n)
	}
}

func (t *termBars) Finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar == nil {
		return
	}
	t.bar.SetTotal(-1, true) // complete at whatever was counted
	t.p.Wait()
	t.bar, t.p = nil, nil
}

// progress returns bars when stderr is a terminal and --quiet is not given;
// otherwise nil, and the logs tell the story.
func (a *app) progress() *termBars {
	if !a.interactive() {
		return nil
	}
	return newTermBars(a.stderr)
}
