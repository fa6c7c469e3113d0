package main

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/lmittmann/tint"
	"github.com/vbauerster/mpb/v8"

	"github.com/argo-backup/argo-backup/remote"
)

// logger is the program's log on stderr, in one of three forms:
//   - on a terminal (unless --log-format says otherwise): people lines,
//     "15:04:05 INF msg key=value", the level coloured unless NO_COLOR is
//     set or TERM is dumb (github.com/lmittmann/tint);
//   - --log-format text, or stderr not a terminal: logfmt (slog's text);
//   - --log-format json (the daemon's default off a terminal): JSON lines.
//
// In every form a duration is a number of seconds in JSON and a Go
// duration ("2.011s") in text, and a time that never happened says "never"
// rather than 0001-01-01. Lines go through g.logs, which prints them above
// a live progress bar instead of under it, where the bar would erase them.
func (g *globals) logger() *slog.Logger {
	level := slog.LevelInfo
	if g.quiet {
		level = slog.LevelWarn
	}
	if g.verbose {
		level = slog.LevelDebug
		remote.SetLogLevel(slog.LevelDebug) // rclone's own debug: HTTP retries, pacer waits
	}
	w := g.logSink()
	switch {
	case g.logFormat == "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: jsonValues}))
	case g.logFormat == "" && isTerminal(g.stderr):
		return slog.New(tint.NewTextHandler(w, &tint.Options{Level: level, TimeFormat: time.TimeOnly,
			NoColor: !colourTerminal(), ReplaceAttr: textValues}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: textValues}))
}

// colourTerminal reports whether the terminal on stderr should get colour:
// not with NO_COLOR set (https://no-color.org) or TERM=dumb.
func colourTerminal() bool {
	_, noColor := os.LookupEnv("NO_COLOR")
	return !noColor && os.Getenv("TERM") != "dumb" && os.Getenv("TERM") != ""
}

// jsonValues writes durations as seconds (a float) and zero times as
// "never", as --json output does.
func jsonValues(groups []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindDuration:
		return slog.Float64(a.Key, a.Value.Duration().Seconds())
	case slog.KindTime:
		if a.Value.Time().IsZero() {
			return slog.String(a.Key, "never")
		}
	}
	return a
}

// textValues writes zero times as "never".
func textValues(groups []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindTime && a.Value.Time().IsZero() {
		return slog.String(a.Key, "never")
	}
	return a
}

// logSink is where the log lines go: stderr, or the live bars above.
func (g *globals) logSink() *logSwitch {
	if g.logs == nil {
		g.logs = &logSwitch{w: g.stderr}
	}
	return g.logs
}

// logSwitch writes to stderr, or, while progress bars are drawn there,
// through them: mpb prints such lines above the bars and redraws the bars
// below, so no line is ever erased by a redraw.
type logSwitch struct {
	mu   sync.Mutex
	w    io.Writer
	bars *mpb.Progress
}

func (s *logSwitch) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bars != nil {
		n, err := s.bars.Write(b)
		if !errors.As(err, new(mpb.ErrDone[*mpb.Progress])) {
			return n, err
		}
	}
	return s.w.Write(b)
}

// route sends the lines through p from now on, or, with nil, to stderr.
func (s *logSwitch) route(p *mpb.Progress) {
	s.mu.Lock()
	s.bars = p
	s.mu.Unlock()
}
