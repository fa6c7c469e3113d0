package remote

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/rclone/rclone/fs"
)

func TestRcloneLogsReachTheProgramsLogger(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old); SetLogLevel(slog.LevelWarn) })

	fs.Logf(nil, "per-request notice")
	fs.Errorf(nil, "upload failed")
	SetLogLevel(slog.LevelDebug)
	fs.Debugf(nil, "retrying request")

	logged := buf.String()
	for _, want := range []string{`msg="upload failed" component=rclone`, `msg="retrying request"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %s:\n%s", want, logged)
		}
	}
	if strings.Contains(logged, "per-request notice") {
		t.Errorf("a notice reached the log at the default level:\n%s", logged)
	}
}
