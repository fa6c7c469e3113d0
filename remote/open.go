package remote

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/fs/fspath"

	"github.com/argo-backup/argo-backup/internal/fallback"
)

// Options tune how a Store talks to its remote.
type Options struct {
	// RcloneConfig is the rclone.conf that named remotes come from;
	// "" means rclone's usual one (~/.config/rclone/rclone.conf).
	RcloneConfig string
	// Retries is how many times a failed upload is retried from memory,
	// and how many times a download reopens after a dropped connection.
	// 0 means 5.
	Retries int
	// RetryDelay is the first pause between retries; it doubles on each
	// retry up to a minute. 0 means one second.
	RetryDelay time.Duration
	// Log receives the store's own records (retries, lock takeovers);
	// nil drops them. rclone's records go to slog.Default instead:
	// rclone has one logger per process (see SetLogLevel).
	Log *slog.Logger
	// MustExist refuses a local directory that does not exist instead of
	// creating it. Commands that only read (list, restore, verify, doctor)
	// set it, so that a mistyped path is an error, not a new empty
	// directory; push creates the repository.
	MustExist bool
	// StallTimeout is how long a connection may stay silent before it is
	// given up (see StallTimeout, the default).
	StallTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Retries <= 0 {
		o.Retries = 5
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = StallTimeout
	}
	o.Log = fallback.Log(o.Log)
	return o
}

// Open connects to the remote named by spec, which is one of
//
//	name:path                  a remote from rclone.conf
//	:backend,opt=value:path    an rclone connection string
//	/absolute/directory        a local directory, created if missing
//	                           (unless MustExist)
//
// rclone.conf is read only for the first form, but an RcloneConfig that
// does not exist is an error for every form: the user named a file, and a
// typo there should not go unnoticed until the remote changes type. Google Drive remotes delete
// for good (use_trash=false) unless rclone.conf sets use_trash: trashed
// parts would still count against the user's quota.
func Open(ctx context.Context, spec string, o Options) (*Store, error) {
	if err := namedConfExists(o.RcloneConfig); err != nil {
		return nil, err
	}
	b, err := resolve(spec, o.RcloneConfig, o.MustExist)
	if err != nil {
		return nil, err
	}
	o = o.withDefaults()
	stop := stallWarnings(o.Log, b.display, "opening the remote", o.StallTimeout)
	f, err := b.info.NewFs(withStallTimeout(ctx, o.StallTimeout), b.name, b.root, b.config)
	stop()
	if errors.Is(err, fs.ErrorIsFile) {
		return nil, fmt.Errorf("remote %s: the path is a file, not a directory", b.display)
	}
	if err != nil {
		return nil, fmt.Errorf("opening remote %s: %w", b.display, explainStall(err, o.StallTimeout))
	}
	return newStore(f, b.display, b.info.Name, o), nil
}

// backend is everything rclone needs to make an Fs, decided before any
// network traffic.
type backend struct {
	info    *fs.RegInfo
	name    string // rclone's name for the remote: config section or ":type"
	root    string
	config  *configmap.Map
	display string // spec with secrets redacted, for messages
}

func resolve(spec, rcloneConf string, mustExist bool) (*backend, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("no remote given: set remote to an rclone remote (name:path) or an absolute directory")
	}
	if filepath.IsAbs(spec) {
		return localBackend(spec, mustExist)
	}
	parsed, err := fspath.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("remote %s: %w", redactUnparsed(spec), err)
	}
	switch {
	case parsed.Name == "":
		return nil, fmt.Errorf("remote %q: a local directory must be an absolute path", spec)
	case strings.HasPrefix(parsed.Name, ":"):
		return connectionStringBackend(parsed)
	default:
		return namedBackend(parsed, rcloneConf)
	}
}

func localBackend(dir string, mustExist bool) (*backend, error) {
	if mustExist {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%w at %s: the directory does not exist (check the remote path; push creates it)", ErrNoRepository, dir)
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating local remote: %w", err)
	}
	ri, err := fs.Find("local")
	if err != nil {
		return nil, err
	}
	return &backend{
		info:    ri,
		name:    "local",
		root:    dir,
		config:  fs.ConfigMap(ri.Prefix, ri.Options, "", nil),
		display: dir,
	}, nil
}

// connectionStringBackend builds ":type,opt=value:path" without reading
// rclone.conf, so a broken rclone.conf cannot get in the way.
func connectionStringBackend(p fspath.Parsed) (*backend, error) {
	ri, err := findBackend(p.Name[1:])
	if err != nil {
		return nil, err
	}
	m := fs.ConfigMap(ri.Prefix, ri.Options, "", p.Config)
	deleteForGood(ri, m)
	return &backend{info: ri, name: p.Name, root: p.Path, config: m, display: redact(ri, p)}, nil
}

func namedBackend(p fspath.Parsed, rcloneConf string) (*backend, error) {
	confMu.Lock()
	defer confMu.Unlock()
	path, err := installRcloneConf(rcloneConf)
	if err != nil {
		return nil, err
	}
	if !config.LoadedData().HasSection(p.Name) {
		return nil, fmt.Errorf("unknown rclone remote %q: not in %s (run rclone config, or set rclone_config)", p.Name, path)
	}
	typ, _ := config.FileGetValue(p.Name, "type")
	if typ == "" {
		return nil, fmt.Errorf("rclone remote %q in %s has no type (run rclone config)", p.Name, path)
	}
	ri, err := findBackend(typ)
	if err != nil {
		return nil, fmt.Errorf("rclone remote %q: %w", p.Name, err)
	}
	m := fs.ConfigMap(ri.Prefix, ri.Options, p.Name, p.Config)
	deleteForGood(ri, m)
	return &backend{info: ri, name: p.Name, root: p.Path, config: m, display: redact(ri, p)}, nil
}

// shipped lists the backends imported in backends.go, for error messages.
var shipped = []string{"b2", "drive", "local", "s3", "sftp", "webdav"}

func findBackend(typ string) (*fs.RegInfo, error) {
	ri, err := fs.Find(typ)
	if err != nil || !slices.Contains(shipped, ri.Name) {
		return nil, fmt.Errorf("rclone backend %q is not built into argo-backup (it has %s)", typ, strings.Join(shipped, ", "))
	}
	return ri, nil
}

// deleteForGood turns Drive's trash off unless the user chose use_trash in
// rclone.conf, the connection string or the environment. Trashed files
// still count against the quota, and emptying the trash (CleanUp) would
// empty the user's whole Drive trash, not just ours.
//
// It also turns stop_on_upload_limit on unless the user chose otherwise:
// without it rclone retries Drive's daily upload limit like a passing rate
// limit, for minutes per part, and the push fails with a confusing error
// instead of stopping at once with ErrUploadLimit.
func deleteForGood(ri *fs.RegInfo, m *configmap.Map) {
	if ri.Name != "drive" {
		return
	}
	defaults := configmap.Simple{}
	if _, chosen := m.GetPriority("use_trash", configmap.PriorityConfig); !chosen {
		defaults["use_trash"] = "false"
	}
	if _, chosen := m.GetPriority("stop_on_upload_limit", configmap.PriorityConfig); !chosen {
		defaults["stop_on_upload_limit"] = "true"
	}
	m.AddGetter(defaults, configmap.PriorityNormal)
}

// Redact renders the remote spec for messages, logs, status.json and
// ARGO_BACKUP_ERROR: the values of a connection string's options that rclone
// marks as passwords or sensitive, and of any option it does not know, are
// replaced by ***. Named remotes and directories hold no secrets and are
// returned as they are.
func Redact(spec string) string {
	spec = strings.TrimSpace(spec)
	if spec == "" || filepath.IsAbs(spec) {
		return spec
	}
	p, err := fspath.Parse(spec)
	if err != nil {
		return redactUnparsed(spec)
	}
	if p.Name == "" {
		return spec
	}
	var ri *fs.RegInfo
	if strings.HasPrefix(p.Name, ":") {
		ri, _ = fs.Find(p.Name[1:]) // nil: every option is redacted
	}
	return redact(ri, p)
}

// redactUnparsed shows of a spec rclone cannot parse only what comes before
// its options, which may hold secrets.
func redactUnparsed(spec string) string {
	if i := strings.IndexByte(spec, ','); i >= 0 {
		return fmt.Sprintf("%q (options not shown)", spec[:i])
	}
	return fmt.Sprintf("%q", spec)
}

// redact renders a spec for messages and logs without the secrets a
// connection string may carry (keys, passwords, tokens).
func redact(ri *fs.RegInfo, p fspath.Parsed) string {
	if len(p.Config) > 0 && strings.ContainsAny(p.Path, ",=") {
		// An unquoted ':' in an option's value (url=http://...) ended the
		// options early: the rest, secrets included, became the path.
		p.Path = "*** (an option value with ':' must be quoted)"
	}
	if len(p.Config) == 0 {
		return p.Name + ":" + p.Path
	}
	keys := make([]string, 0, len(p.Config))
	for k := range p.Config {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(p.Name)
	for _, k := range keys {
		v := p.Config[k]
		var opt *fs.Option
		if ri != nil {
			opt = ri.Options.Get(k)
		}
		if opt == nil || opt.IsPassword || opt.Sensitive {
			v = "***"
		}
		if strings.ContainsAny(v, ",:'\"") {
			v = "'" + strings.ReplaceAll(v, "'", "''") + "'"
		}
		fmt.Fprintf(&b, ",%s=%s", k, v)
	}
	return b.String() + ":" + p.Path
}
