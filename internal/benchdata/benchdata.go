// Package benchdata gives benchmarks real bytes to work on: the contents of
// files on the machine (the Go tree), so that compression ratios and speeds
// are those of real data, not of zeros or noise.
package benchdata

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	cache = map[string][]byte{}
)

// Files returns size bytes of the concatenated files under root, read once
// per process. The benchmark is skipped if root holds less than half that.
func Files(b testing.TB, root string, size int) []byte {
	b.Helper()
	mu.Lock()
	defer mu.Unlock()
	key := fmt.Sprint(root, "\x00", size)
	if data, ok := cache[key]; ok {
		return data
	}
	buf := make([]byte, 0, size)
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		buf = append(buf, data[:min(len(data), cap(buf)-len(buf))]...)
		if len(buf) == cap(buf) {
			return fs.SkipAll
		}
		return nil
	})
	if len(buf) < size/2 {
		b.Skipf("benchmark needs about %d MiB of files under %s", size>>20, root)
	}
	cache[key] = buf
	return buf
}
