package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
)

// termProgress draws one status line per snapshot on a terminal: bytes,
// rate and, when the total is known, percent and ETA. It implements
// backup.Progress and restore.Progress.
type termProgress struct {
	w     io.Writer
	mu    sync.Mutex
	name  string
	total int64
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
}

func newTermProgress(w io.Writer) *termProgress { return &termProgress{w: w} }

func (p *termProgress) Start(name string, total int64) {
	p.mu.Lock()
	p.name, p.total, p.start = name, total, time.Now()
	p.done.Store(0)
	p.stop = make(chan struct{})
	p.mu.Unlock()
	p.wg.Add(1)
	go p.loop(p.stop)
}

func (p *termProgress) Add(n int64) { p.done.Add(n) }

func (p *termProgress) Finish() {
	p.mu.Lock()
	stop := p.stop
	p.stop = nil
	p.mu.Unlock()
	if stop == nil {
		return
	}
	close(stop)
	p.wg.Wait()
	p.draw()
	fmt.Fprintln(p.w)
}

func (p *termProgress) loop(stop chan struct{}) {
	defer p.wg.Done()
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.draw()
		}
	}
}

func (p *termProgress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := p.done.Load()
	elapsed := time.Since(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed
	}
	line := fmt.Sprintf("%s  %s  %s/s", p.name, humanize.IBytes(uint64(done)), humanize.IBytes(uint64(rate)))
	if p.total > 0 {
		pct := 100 * float64(done) / float64(p.total)
		eta := "-"
		if rate > 0 && done < p.total {
			eta = (time.Duration(float64(p.total-done)/rate) * time.Second).Round(time.Second).String()
		}
		line = fmt.Sprintf("%s  %s / %s  %3.0f%%  %s/s  ETA %s", p.name, humanize.IBytes(uint64(done)),
			humanize.IBytes(uint64(p.total)), pct, humanize.IBytes(uint64(rate)), eta)
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
}

func (a *app) progress() *termProgress {
	if !a.interactive() {
		return nil
	}
	return newTermProgress(a.stderr)
}
