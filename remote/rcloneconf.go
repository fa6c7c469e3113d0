package remote

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/config/configfile"
)

// confMu guards rclone's config path and storage, which are process-global.
var confMu sync.Mutex

// defaultConfigPath is where rclone looks when the user names no file,
// remembered before anything changes the global.
var defaultConfigPath = config.GetConfigPath()

// installRcloneConf makes path (or rclone's default when path is "") the
// rclone.conf that named remotes are read from, and returns the path used.
// Call with confMu held.
//
// rclone ends the whole process (fs.Fatalf) when its config file cannot be
// read or decrypted, so the file is checked and loaded here first, where
// the error can still be returned.
func installRcloneConf(path string) (string, error) {
	if path == "" {
		path = os.Getenv("RCLONE_CONFIG") // as rclone itself does
	}
	explicit := path != ""
	if !explicit {
		path = defaultConfigPath
	}
	if err := checkRcloneConf(path, explicit); err != nil {
		return "", err
	}
	if err := config.SetConfigPath(path); err != nil {
		return "", fmt.Errorf("rclone config %s: %w", path, err)
	}
	storage := &configfile.Storage{}
	if err := storage.Load(); err != nil && !errors.Is(err, config.ErrorConfigFileNotFound) {
		return "", fmt.Errorf("rclone config %s: %w", path, err)
	}
	configfile.Install()
	return path, nil
}

// checkRcloneConf refuses a file rclone would choke on. A missing file is
// fine when the user did not name it: rclone then has no named remotes.
func checkRcloneConf(path string, explicit bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rclone config: %w (check rclone_config)", err)
	}
	defer f.Close()
	encrypted, err := isEncryptedConf(f)
	if err != nil {
		return fmt.Errorf("rclone config: reading %s: %w", path, err)
	}
	if encrypted {
		return fmt.Errorf("rclone config %s is encrypted: argo-backup runs unattended and cannot ask for its password; "+
			"use an unencrypted rclone.conf readable only by root (chmod 600) and set rclone_config", path)
	}
	return nil
}

// namedConfExists refuses an rclone.conf the user named (rclone_config)
// that is not there, whatever the remote: for a local directory or a
// connection string rclone.conf is not read, but the setting is then
// stale or mistyped, and saying so beats ignoring it.
func namedConfExists(path string) error {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("rclone config: %w (check rclone_config)", err)
	}
	return nil
}

// isEncryptedConf reports whether an rclone.conf was encrypted by
// `rclone config encryption`: its first line that is not a comment is the
// RCLONE_ENCRYPT_V<n>: marker, after an "# Encrypted rclone configuration
// File" comment.
func isEncryptedConf(f *os.File) (bool, error) {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "# Encrypted rclone configuration File") {
			return true, nil
		}
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		return strings.HasPrefix(line, "RCLONE_ENCRYPT_V"), nil
	}
	return false, sc.Err()
}
