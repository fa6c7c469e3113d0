package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/argo-backup/argo-backup/backup"
	"github.com/argo-backup/argo-backup/manifest"
)

// DefaultConfigPath is where argo-backup looks for its config when --config
// is not given.
const DefaultConfigPath = "/etc/argo-backup/config.yaml"

// Config is the YAML configuration, key for key as documented in
// docs/configuration.md. Unknown keys are refused so that a typo never
// silently disables a setting.
type Config struct {
	Host               string            `mapstructure:"host"`
	Remote             string            `mapstructure:"remote"`
	RcloneConfig       string            `mapstructure:"rclone_config"`
	Recipients         []string          `mapstructure:"recipients"`
	RecipientsFile     string            `mapstructure:"recipients_file"`
	Identity           string            `mapstructure:"identity"`
	SigningKey         string            `mapstructure:"signing_key"` // default: signing.key beside identity
	StateDir           string            `mapstructure:"state_dir"`
	CompressionLevel   int               `mapstructure:"compression_level"`
	PartSize           ByteSize          `mapstructure:"part_size"`
	SendCompressedData bool              `mapstructure:"send_compressed_data"`
	Subvolumes         []SubvolumeConfig `mapstructure:"subvolumes"`
	Verify             ScheduleConfig    `mapstructure:"verify"`
	Prune              ScheduleConfig    `mapstructure:"prune"`
	OnFailure          string            `mapstructure:"on_failure"`
	MetricsFile        string            `mapstructure:"metrics_file"`
	Parallel           int               `mapstructure:"parallel"`
}

// SubvolumeConfig is one entry of the subvolumes list.
type SubvolumeConfig struct {
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
}

// ScheduleConfig is a job that only has a schedule (verify, prune).
type ScheduleConfig struct {
	Schedule string `mapstructure:"schedule"`
}

// ByteSize is a size written as "64MiB", "1G" or a plain number of bytes.
type ByteSize int64

func (b ByteSize) String() string { return humanize.IBytes(uint64(b)) }

// ConfigError is a mistake in the configuration: exit status 2.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(format string, args ...any) error {
	return &ConfigError{fmt.Errorf(format, args...)}
}

func defaultConfig() map[string]any {
	return map[string]any{
		"host":                 "",
		"remote":               "",
		"rclone_config":        "",
		"recipients":           []string{},
		"recipients_file":      "",
		"identity":             "/etc/argo-backup/identity.txt",
		"signing_key":          "",
		"state_dir":            "/var/lib/argo-backup",
		"compression_level":    3,
		"part_size":            "32MiB",
		"send_compressed_data": true,
		"on_failure":           "",
		"metrics_file":         "",
		"parallel":             2,
		"verify.schedule":      "@weekly",
		"prune.schedule":       "@daily",
	}
}

func subvolumeDefaults(sv *SubvolumeConfig) {
	if sv.Schedule == "" {
		sv.Schedule = "@daily"
	}
	if sv.Parents == "" {
		sv.Parents = "chain"
	}
	if sv.KeepLocal == 0 {
		sv.KeepLocal = 2
	}
	if sv.FullEvery == 0 {
		sv.FullEvery = 720 * time.Hour
	}
	if sv.MaxChain == 0 {
		sv.MaxChain = 30
	}
}

// LoadConfig reads a YAML config file, applies ARGO_BACKUP_* environment
// overrides and defaults, and validates it.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, configErrorf("config file %s does not exist: create one with 'argo-backup init' or pass --config FILE", path)
	}
	if err != nil {
		return nil, configErrorf("read config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("config %s: %w", path, err)}
	}
	return cfg, nil
}

// ParseConfig parses YAML config text. It is the part of LoadConfig that
// does no file I/O, so that it can be fuzzed.
func ParseConfig(data []byte) (*Config, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	for k, val := range defaultConfig() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("ARGO_BACKUP")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("not valid YAML: %s", firstLine(err.Error()))
	}
	var cfg Config
	err := v.UnmarshalExact(&cfg, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		byteSizeHook, durationHook, mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return nil, describeDecodeError(err)
	}
	if err := cfg.complete(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func (c *Config) complete() error {
	if c.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("host: not set and the hostname is unknown (%v): set host", err)
		}
		c.Host = h
	}
	if c.Remote == "" {
		c.Remote = filepath.Join(c.StateDir, "remote")
	}
	if c.SigningKey == "" {
		c.SigningKey = defaultSigningKey(c.Identity)
	}
	for i := range c.Subvolumes {
		subvolumeDefaults(&c.Subvolumes[i])
	}
	return c.validate()
}

func (c *Config) validate() error {
	if err := validName("host", c.Host); err != nil {
		return err
	}
	if c.CompressionLevel < 1 || c.CompressionLevel > 22 {
		return fmt.Errorf("compression_level %d: must be between 1 and 22 (3 is a good default)", c.CompressionLevel)
	}
	if c.PartSize < 1<<20 || c.PartSize > 4<<30 {
		return fmt.Errorf("part_size %s: must be between 1MiB and 4GiB (32MiB is a good default)", c.PartSize)
	}
	if c.Identity != "" && !filepath.IsAbs(c.Identity) {
		return fmt.Errorf("identity %q: must be an absolute path", c.Identity)
	}
	if !filepath.IsAbs(c.SigningKey) {
		return fmt.Errorf("signing_key %q: must be an absolute path", c.SigningKey)
	}
	if !filepath.IsAbs(c.StateDir) {
		return fmt.Errorf("state_dir %q: must be an absolute path", c.StateDir)
	}
	for key, spec := range map[string]string{"verify": c.Verify.Schedule, "prune": c.Prune.Schedule} {
		if spec == "" {
			continue // "" turns the scheduled task off
		}
		if _, err := backup.ParseSchedule(spec); err != nil {
			return fmt.Errorf("%s: %v", key, err)
		}
	}
	seen := map[string]bool{}
	for i, sv := range c.Subvolumes {
		if err := sv.validate(i); err != nil {
			return err
		}
		if seen[sv.Name] {
			return fmt.Errorf("subvolumes: name %q is used twice: names must be unique", sv.Name)
		}
		seen[sv.Name] = true
	}
	return nil
}

func (sv *SubvolumeConfig) validate(i int) error {
	if sv.Name == "" {
		return fmt.Errorf("subvolumes[%d]: name is missing: give each subvolume a short name such as root or home", i)
	}
	if err := validName(fmt.Sprintf("subvolumes[%d].name", i), sv.Name); err != nil {
		return err
	}
	if !filepath.IsAbs(sv.Path) {
		return fmt.Errorf("subvolume %s: path %q must be an absolute path", sv.Name, sv.Path)
	}
	if sv.SnapshotDir == "" {
		return fmt.Errorf("subvolume %s: snapshot_dir is missing: set it to a directory on the same btrfs, e.g. %s", sv.Name, filepath.Join(sv.Path, ".snapshots", "argo-backup"))
	}
	if !filepath.IsAbs(sv.SnapshotDir) {
		return fmt.Errorf("subvolume %s: snapshot_dir %q must be an absolute path", sv.Name, sv.SnapshotDir)
	}
	if sv.Parents != "chain" && sv.Parents != "tiered" {
		return fmt.Errorf("subvolume %s: parents %q: must be chain or tiered", sv.Name, sv.Parents)
	}
	if _, err := backup.ParseSchedule(sv.Schedule); err != nil {
		return fmt.Errorf("subvolume %s: %v", sv.Name, err)
	}
	if sv.MaxChain < 0 || sv.KeepLocal < 0 || sv.FullEvery < 0 {
		return fmt.Errorf("subvolume %s: max_chain, keep_local and full_every must not be negative", sv.Name)
	}
	return nil
}

// validName accepts names that are safe as one path element on every
// remote: they become directory names on the remote.
func validName(key, name string) error {
	if !safeName.MatchString(name) || name == "locks" || name == "keys" {
		return fmt.Errorf("%s %q: use letters, digits, '.', '-' and '_' only, not starting with '.' or '-' (and not locks or keys)", key, name)
	}
	return nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)

// Subvolume returns the subvolume with the given name.
func (c *Config) Subvolume(name string) (*SubvolumeConfig, error) {
	var names []string
	for i := range c.Subvolumes {
		if c.Subvolumes[i].Name == name {
			return &c.Subvolumes[i], nil
		}
		names = append(names, c.Subvolumes[i].Name)
	}
	return nil, configErrorf("unknown subvolume %q: the config has %s", name, strings.Join(quoteAll(names), ", "))
}

func quoteAll(ss []string) []string {
	if len(ss) == 0 {
		return []string{"none"}
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

var byteSizeType = reflect.TypeOf(ByteSize(0))

func byteSizeHook(from, to reflect.Type, data any) (any, error) {
	if to != byteSizeType {
		return data, nil
	}
	switch d := data.(type) {
	case string:
		n, err := humanize.ParseBytes(d)
		if err != nil {
			return nil, fmt.Errorf("%q is not a size: write it like 64MiB", d)
		}
		return ByteSize(n), nil
	case int, int64, uint64, float64:
		return data, nil
	}
	return data, nil
}

var durationType = reflect.TypeOf(time.Duration(0))

// durationHook accepts Go durations ("720h") and also days and weeks
// ("30d", "2w"), which is how people think about backup chains.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, fmt.Errorf("%v is not a duration: write it with a unit, like 720h or 30d", data)
	}
	return parseDuration(s)
}

func parseDuration(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, found := strings.CutSuffix(s, suffix); found {
			var v float64
			if _, err := fmt.Sscanf(n, "%g", &v); err == nil && !strings.ContainsAny(n, "hms") {
				return time.Duration(v * float64(unit)), nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write it like 720h or 30d", s)
	}
	return d, nil
}

// describeDecodeError turns mapstructure's error list into one line that
// names the offending key.
func describeDecodeError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "has invalid keys: "); i >= 0 {
		keys := strings.TrimSpace(msg[i+len("has invalid keys: "):])
		keys = firstLine(keys)
		return fmt.Errorf("unknown key %s: check the spelling against docs/configuration.md", keys)
	}
	lines := strings.Split(msg, "\n")
	for _, l := range lines {
		l = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "*"))
		if l != "" && !strings.HasPrefix(l, "decoding failed") && !strings.Contains(l, "error(s) decoding") {
			return errors.New(l)
		}
	}
	return errors.New(firstLine(msg))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
