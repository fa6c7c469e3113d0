package config

import (
	"os"
	"strings"
	"testing"
)

// withoutArgoEnvironment removes every ARGO_BACKUP_* variable until the
// test ends, so that the machine's environment cannot change what is parsed.
func withoutArgoEnvironment(tb testing.TB) {
	for _, kv := range os.Environ() {
		key, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(key, "ARGO_BACKUP_") {
			continue
		}
		os.Unsetenv(key)
		tb.Cleanup(func() { os.Setenv(key, value) })
	}
}

// docConfigs returns the ```yaml blocks of docs/configuration.md: the
// configs users copy.
func docConfigs(tb testing.TB) []string {
	data, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		tb.Fatal(err)
	}
	var blocks []string
	for _, block := range strings.Split(string(data), "```yaml\n")[1:] {
		body, _, _ := strings.Cut(block, "```")
		blocks = append(blocks, body)
	}
	if len(blocks) == 0 {
		tb.Fatal("no yaml blocks in docs/configuration.md")
	}
	return blocks
}

// The documented configs parse (with the machine's environment out of the
// way).
func TestDocConfigsParse(t *testing.T) {
	withoutArgoEnvironment(t)
	for i, yaml := range docConfigs(t) {
		if _, err := Parse([]byte(yaml)); err != nil {
			t.Errorf("yaml block %d of docs/configuration.md: %v\n%s", i+1, err, yaml)
		}
	}
}
