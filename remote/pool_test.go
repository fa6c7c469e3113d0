package remote

import (
	"context"
	"testing"

	"github.com/rclone/rclone/fs"
)

// The drive backend's upload chunks come from rclone's global pool; they
// must be mapped outside the Go heap (pool.go) or a push to Drive grows
// past its memory target (docs/performance.md, "Drive push memory").
func TestRclonePoolIsOutsideTheHeap(t *testing.T) {
	if !fs.GetConfig(context.Background()).UseMmap {
		t.Fatal("rclone's UseMmap is off: upload chunk buffers would be in the Go heap")
	}
}
