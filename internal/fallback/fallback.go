// Package fallback is the one rule for the optional dependencies the
// packages take as struct fields (a Log, a Now): nil means the quiet,
// real-time default. Tests set them; production wires the logger.
package fallback

import (
	"log/slog"
	"time"
)

// discard is shared: a nil logger must not cost an allocation per line.
var discard = slog.New(slog.DiscardHandler)

// Log is l, or a logger that drops everything when l is nil.
func Log(l *slog.Logger) *slog.Logger {
	if l == nil {
		return discard
	}
	return l
}

// Now is now(), or the wall clock when now is nil.
func Now(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}

// ProgressReporter receives the bytes of a stream as they pass: Start
// once per stream with its name and size (-1: unknown), then Add, then
// Finish. backup.Progress and restore.Progress are this one interface.
type ProgressReporter interface {
	Start(name string, total int64)
	Add(n int64)
	Finish()
}

// Progress is p, or a reporter that ignores everything when p is nil.
func Progress(p ProgressReporter) ProgressReporter {
	if p == nil {
		return noProgress{}
	}
	return p
}

type noProgress struct{}

func (noProgress) Start(string, int64) {}
func (noProgress) Add(int64)           {}
func (noProgress) Finish()             {}
