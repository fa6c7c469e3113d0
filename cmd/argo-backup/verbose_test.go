package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/rclone/rclone/fs"

	"github.com/argo-backup/argo-backup/remote"
)

// --verbose reaches rclone: its per-request records (retries, pacer
// waits) are what a user debugging a slow or failing remote needs.
// rclone's level is process-wide, so this test does not run in parallel.
func TestVerboseReachesRclone(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config.yaml")
	cfg := "host: desk\nremote: " + dir + "/remote\nidentity: " + dir + "/identity.txt\nstate_dir: " + dir + "/state\n"
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ci := fs.GetConfig(context.Background())
	t.Cleanup(func() { remote.SetLogLevel(slog.LevelWarn) })
	for _, tt := range []struct {
		args []string
		want fs.LogLevel
	}{
		{[]string{"list"}, fs.LogLevelNotice},
		{[]string{"-v", "list"}, fs.LogLevelDebug},
	} {
		remote.SetLogLevel(slog.LevelWarn)
		execute(context.Background(), append([]string{"--config", config}, tt.args...), io.Discard, io.Discard)
		if ci.LogLevel != tt.want {
			t.Errorf("%v: rclone's log level is %v, want %v", tt.args, ci.LogLevel, tt.want)
		}
	}
}
