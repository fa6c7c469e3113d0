package config

import (
	"fmt"
	"slices"
	"testing"
)

// Every override docs/configuration.md lists ("Environment overrides")
// wins over the file, one variable at a time, with the value written out.
func TestEnvironmentOverrides(t *testing.T) {
	file := fmt.Sprintf(`host: from-file
remote: /from/file
recipients: [%q]
identity: /file/identity.txt
state_dir: /file/state
compression_level: 3
part_size: 32MiB
send_compressed_data: true
parallel: 1
verify: {schedule: "@weekly"}
prune: {schedule: "@daily"}
`, recipient)
	other := "age1wur4mkzzw22te2kjqwz6hd7fd9ny2l3qqmzwh8plfakfcflvngnqjr7sc6"
	for _, tt := range []struct {
		env, value string
		ok         func(*Config) bool
	}{
		{"ARGO_BACKUP_HOST", "laptop", func(c *Config) bool { return c.Host == "laptop" }},
		{"ARGO_BACKUP_REMOTE", "gdrive:argo", func(c *Config) bool { return c.Remote == "gdrive:argo" }},
		{"ARGO_BACKUP_RCLONE_CONFIG", "/env/rclone.conf", func(c *Config) bool { return c.RcloneConfig == "/env/rclone.conf" }},
		{"ARGO_BACKUP_RECIPIENTS", recipient + "," + other, func(c *Config) bool { return slices.Equal(c.Recipients, []string{recipient, other}) }},
		{"ARGO_BACKUP_RECIPIENTS_FILE", "/env/recipients.txt", func(c *Config) bool { return c.RecipientsFile == "/env/recipients.txt" }},
		{"ARGO_BACKUP_IDENTITY", "/env/identity.txt", func(c *Config) bool { return c.Identity == "/env/identity.txt" }},
		{"ARGO_BACKUP_STATE_DIR", "/env/state", func(c *Config) bool { return c.StateDir == "/env/state" }},
		{"ARGO_BACKUP_COMPRESSION_LEVEL", "19", func(c *Config) bool { return c.CompressionLevel == 19 }},
		{"ARGO_BACKUP_PART_SIZE", "8MiB", func(c *Config) bool { return c.PartSize == 8*1024*1024 }},
		{"ARGO_BACKUP_SEND_COMPRESSED_DATA", "false", func(c *Config) bool { return !c.SendCompressedData }},
		{"ARGO_BACKUP_PARALLEL", "3", func(c *Config) bool { return c.Parallel == 3 }},
		{"ARGO_BACKUP_ON_FAILURE", "logger argo failed", func(c *Config) bool { return c.OnFailure == "logger argo failed" }},
		{"ARGO_BACKUP_METRICS_FILE", "/env/argo.prom", func(c *Config) bool { return c.MetricsFile == "/env/argo.prom" }},
		{"ARGO_BACKUP_VERIFY_SCHEDULE", "@monthly", func(c *Config) bool { return c.Verify.Schedule == "@monthly" }},
		{"ARGO_BACKUP_PRUNE_SCHEDULE", "@weekly", func(c *Config) bool { return c.Prune.Schedule == "@weekly" }},
	} {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			cfg, err := Parse([]byte(file))
			if err != nil {
				t.Fatalf("%s=%q: %v", tt.env, tt.value, err)
			}
			if !tt.ok(cfg) {
				t.Errorf("%s=%q did not win over the file: %+v", tt.env, tt.value, cfg)
			}
		})
	}
}
