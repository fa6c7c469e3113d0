// Package config is argo-backup's configuration: the keys, their defaults,
// their validation and the conversion to what the packages below take. It
// is the one place that knows them, so that init, doctor, the daemon's
// reload and every command read one truth. docs/configuration.md lists
// every key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/dustin/go-humanize"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Where argo-backup looks for things when neither a flag nor the config
// says otherwise.
const (
	DefaultPath         = "/etc/argo-backup/config.yaml"
	DefaultIdentityPath = "/etc/argo-backup/identity.txt"
	DefaultStateDir     = "/var/lib/argo-backup"
)

// Config is the YAML configuration, key for key as documented in
// docs/configuration.md. Unknown keys are refused so that a typo never
// silently disables a setting.
type Config struct {
	Host               string      `mapstructure:"host"`
	Remote             string      `mapstructure:"remote"`
	RcloneConfig       string      `mapstructure:"rclone_config"`
	Recipients         []string    `mapstructure:"recipients"`
	RecipientsFile     string      `mapstructure:"recipients_file"`
	Identity           string      `mapstructure:"identity"`
	SigningKey         string      `mapstructure:"signing_key"` // default: signing.key beside identity
	StateDir           string      `mapstructure:"state_dir"`
	CompressionLevel   int         `mapstructure:"compression_level"`
	PartSize           ByteSize    `mapstructure:"part_size"`
	SendCompressedData bool        `mapstructure:"send_compressed_data"`
	Subvolumes         []Subvolume `mapstructure:"subvolumes"`
	Verify             Verify      `mapstructure:"verify"`
	Prune              Schedule    `mapstructure:"prune"`
	OnFailure          string      `mapstructure:"on_failure"`
	HealthchecksURL    string      `mapstructure:"healthchecks_url"` // push jobs; a subvolume may have its own
	WebhookURL         string      `mapstructure:"webhook_url"`
	MetricsFile        string      `mapstructure:"metrics_file"`
	Parallel           int         `mapstructure:"parallel"`
	Transfers          int         `mapstructure:"transfers"`
	BwLimit            string      `mapstructure:"bwlimit"`
	// Warnings are settings that are accepted but do not do what they
	// say; the commands log them.
	Warnings []string `mapstructure:"-"`
}

// Subvolume is one entry of the subvolumes list.
type Subvolume struct {
	Name          string             `mapstructure:"name"`
	Path          string             `mapstructure:"path"`
	SnapshotDir   string             `mapstructure:"snapshot_dir"`
	SnapperConfig string             `mapstructure:"snapper_config"`
	Schedule      string             `mapstructure:"schedule"`
	Parents       string             `mapstructure:"parents"`
	FullEvery     time.Duration      `mapstructure:"full_every"`
	MaxChain      int                `mapstructure:"max_chain"`
	KeepLocal     int                `mapstructure:"keep_local"`
	Retention     manifest.Retention `mapstructure:"retention"`
	// HealthchecksURL is this subvolume's own check for its pushes; "":
	// the global healthchecks_url.
	HealthchecksURL string `mapstructure:"healthchecks_url"`
	// Tiers are the levels above the daily backups with parents: tiered,
	// longest first, the first being the full; empty: [month, week].
	Tiers []string `mapstructure:"tiers"`
}

// Schedule is a task with a schedule and its own check (prune).
type Schedule struct {
	Schedule        string `mapstructure:"schedule"`
	HealthchecksURL string `mapstructure:"healthchecks_url"`
}

// Verify is the verify section. schedule runs the budgeted quick check
// (what an older config's verify.schedule now means), restore_schedule the
// test restore on a loop device.
type Verify struct {
	Schedule        string `mapstructure:"schedule"`
	RestoreSchedule string `mapstructure:"restore_schedule"`
	Budget          string `mapstructure:"budget"`
	HealthchecksURL string `mapstructure:"healthchecks_url"`
}

// PushPing is the healthchecks URL of sv's pushes: its own, else the
// global one.
func (c *Config) PushPing(sv *Subvolume) string {
	if sv.HealthchecksURL != "" {
		return sv.HealthchecksURL
	}
	return c.HealthchecksURL
}

// ByteSize is a size written as "64MiB", "1G" or a plain number of bytes.
type ByteSize int64

func (b ByteSize) String() string { return humanize.IBytes(uint64(b)) }

// Load reads a YAML config file, applies ARGO_BACKUP_* environment
// overrides and defaults, and validates it.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.Userf("config file %s does not exist: create one with 'argo-backup init' or pass --config FILE", path)
	}
	if err != nil {
		return nil, errs.Userf("read config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, errs.User(fmt.Errorf("config %s: %w", path, err))
	}
	return cfg, nil
}

// Parse parses YAML config text. It is the part of Load that
// does no file I/O, so that it can be fuzzed.
func Parse(data []byte) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	for k, val := range defaultConfig() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("ARGO_BACKUP")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("not valid YAML: %s", yamlProblem(err))
	}
	var cfg Config
	err := v.UnmarshalExact(&cfg, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		byteSizeHook, durationHook, intHook, mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return nil, describeDecodeError(err)
	}
	restoreOffWithVerify(v, &cfg)
	if err := cfg.complete(); err != nil {
		return nil, err
	}
	return &cfg, nil
}
