package remote

import (
	"context"

	"github.com/rclone/rclone/fs"
	// fs/log installs its own stderr logger when initialised; importing it
	// here makes that happen before this package's init replaces it.
	_ "github.com/rclone/rclone/fs/log"

	// The backends argo-backup ships. backend/all would triple the binary
	// and the build time for remotes nobody asked for.
	_ "github.com/rclone/rclone/backend/b2"
	_ "github.com/rclone/rclone/backend/drive"
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	_ "github.com/rclone/rclone/backend/sftp"
	_ "github.com/rclone/rclone/backend/webdav"
)

// init makes rclone behave like a library rather than a program: it must
// never stop a daemon to ask for a password on a terminal nobody watches.
func init() {
	ci := fs.GetConfig(context.Background())
	ci.AskPassword = false
	ci.AutoConfirm = true
	// rclone reads the program's own -v/--log-level arguments at init;
	// argo-backup's flags mean something else, so start from rclone's default
	// and let SetLogLevel decide.
	ci.LogLevel = fs.LogLevelNotice
	fs.SetLogger(newSlogForwarder())
}
