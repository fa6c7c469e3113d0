package remote

import (
	"context"
	"log/slog"
	"strings"

	"github.com/rclone/rclone/fs"
)

// rcloneLevel is the least severe rclone record that reaches the program's
// log. Warnings by default: rclone's notices are per-request chatter that
// would drown a daemon's log.
var rcloneLevel = func() *slog.LevelVar {
	v := new(slog.LevelVar)
	v.Set(slog.LevelWarn)
	return v
}()

// SetLogLevel sets how chatty rclone is in the program's log:
// slog.LevelDebug shows every HTTP retry, slog.LevelWarn (the default) only
// what needs attention.
func SetLogLevel(level slog.Level) {
	rcloneLevel.Set(level)
	ci := fs.GetConfig(context.Background())
	switch {
	case level <= slog.LevelDebug:
		ci.LogLevel = fs.LogLevelDebug
	case level <= slog.LevelInfo:
		ci.LogLevel = fs.LogLevelInfo
	default:
		ci.LogLevel = fs.LogLevelNotice
	}
}

// slogForwarder is the slog.Handler given to rclone. It hands each record
// to whatever slog.Default is when the record arrives, so a program that
// installs its own handler after this package's init still gets rclone's
// records, tagged component=rclone.
type slogForwarder struct {
	// derive replays WithAttrs/WithGroup calls on the current default handler.
	derive func(slog.Handler) slog.Handler
}

func newSlogForwarder() *slogForwarder {
	return &slogForwarder{derive: func(h slog.Handler) slog.Handler {
		return h.WithAttrs([]slog.Attr{slog.String("component", "rclone")})
	}}
}

func (h *slogForwarder) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= rcloneLevel.Level() && slog.Default().Handler().Enabled(ctx, level)
}

func (h *slogForwarder) Handle(ctx context.Context, r slog.Record) error {
	if !h.Enabled(ctx, r.Level) || expected(r) {
		return nil
	}
	return h.derive(slog.Default().Handler()).Handle(ctx, r)
}

// expected reports rclone records about conditions argo-backup expects and
// handles itself: listing a directory that does not exist yet (the first
// push of a subvolume) is an empty listing, not an error for the user; and
// a listing that failed is returned by Store.List and Dirs (countedErrors)
// and reported once, in the command's own one-line error.
func expected(r slog.Record) bool {
	for _, m := range listingMessages {
		if strings.HasPrefix(r.Message, m) {
			return true
		}
	}
	return strings.Contains(r.Message, "error listing: directory not found")
}

// listingMessages start the records of rclone's listing errors.
var listingMessages = []string{
	"error listing: ",                           // walk
	"failed to open directory ",                 // local backend: permission denied
	"failed to get info about directory entry ", // local backend: an entry it cannot stat
	"Listing error: ",                           // local backend: an entry it skips
}

func (h *slogForwarder) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &slogForwarder{derive: func(d slog.Handler) slog.Handler { return h.derive(d).WithAttrs(attrs) }}
}

func (h *slogForwarder) WithGroup(name string) slog.Handler {
	return &slogForwarder{derive: func(d slog.Handler) slog.Handler { return h.derive(d).WithGroup(name) }}
}
