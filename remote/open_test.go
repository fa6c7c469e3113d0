package remote

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
)

// writeRcloneConf writes an rclone.conf for one test and returns its path.
func writeRcloneConf(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rclone.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const encryptedConf = `# Encrypted rclone configuration File

RCLONE_ENCRYPT_V0:
Q0xhfpWM4eEOjEdr5FaHtV1qQ9SpzmOVZDyV7dTBYsvz7zVq4wq4hwjwOxUoGKB0UO1kZEFsvUHTOeQaMhmPu0s=
`

func TestOpenRefusesUnusableRcloneConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.conf")
	tests := []struct {
		name    string
		spec    string
		conf    string // path of the rclone.conf
		wantErr string
	}{
		{"encrypted", "gdrive:argo", writeRcloneConf(t, encryptedConf), "is encrypted: argo-backup runs unattended and cannot ask for its password"},
		{"encrypted without the comment", "gdrive:argo", writeRcloneConf(t, "RCLONE_ENCRYPT_V0:\nabc\n"), "is encrypted"},
		{"named but missing", "gdrive:argo", missing, "rclone config: stat " + missing + ": no such file or directory (check rclone_config)"},
		{"named but missing, local remote", t.TempDir(), missing, "rclone config: stat " + missing + ": no such file or directory (check rclone_config)"},
		{"named but missing, connection string", ":local:" + t.TempDir(), missing, "(check rclone_config)"},
		{"unknown remote", "foo:argo", writeRcloneConf(t, "[gdrive]\ntype = drive\n"), `unknown rclone remote "foo": not in `},
		{"remote without type", "gdrive:argo", writeRcloneConf(t, "[gdrive]\nscope = drive\n"), `rclone remote "gdrive" in `},
		{"backend not shipped", "ftp:argo", writeRcloneConf(t, "[ftp]\ntype = ftp\n"), `rclone backend "ftp" is not built into argo-backup`},
		{"not even ini", "gdrive:argo", writeRcloneConf(t, "[gdrive\n"), "rclone config "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(t.Context(), tt.spec, Options{RcloneConfig: tt.conf})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Open(%q) = %v, want an error containing %q", tt.spec, err, tt.wantErr)
			}
		})
	}
}

func TestOpenUnknownRemoteNamesTheConfigFile(t *testing.T) {
	conf := writeRcloneConf(t, "[gdrive]\ntype = drive\n")
	_, err := Open(t.Context(), "foo:argo", Options{RcloneConfig: conf})
	want := `unknown rclone remote "foo": not in ` + conf + ` (run rclone config, or set rclone_config)`
	if err == nil || err.Error() != want {
		t.Fatalf("Open = %v\nwant %s", err, want)
	}
}

func TestOpenIgnoresABrokenRcloneConfForSpecsThatNeedNone(t *testing.T) {
	conf := writeRcloneConf(t, encryptedConf)
	for _, spec := range []string{remotetest.Local(t), remotetest.S3(t)} {
		s, err := Open(t.Context(), spec, Options{RcloneConfig: conf})
		if err != nil {
			t.Fatalf("Open(%q): %v", spec, err)
		}
		mustPut(t, s, "x", []byte("x"))
	}
}

func TestOpenNamedRemote(t *testing.T) {
	dir := t.TempDir()
	conf := writeRcloneConf(t, "[backups]\ntype = local\n")
	s, err := Open(t.Context(), "backups:"+dir+"/argo", Options{RcloneConfig: conf})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "h/home/s/record.json.age", []byte("record"))
	if _, err := os.Stat(filepath.Join(dir, "argo/h/home/s/record.json.age")); err != nil {
		t.Errorf("object not stored under the named remote's path: %v", err)
	}
}

func TestOpenLocalDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "repo")
	s := openStore(t, dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("Open did not create %s: %v", dir, err)
	}
	if s.String() != dir {
		t.Errorf("String() = %q, want %q", s, dir)
	}
	if _, err := Open(t.Context(), "relative/dir", Options{}); err == nil || !strings.Contains(err.Error(), "must be an absolute path") {
		t.Errorf("Open of a relative directory = %v, want it refused", err)
	}
}

// A command that only reads opens with MustExist: a mistyped local path is
// ErrNoRepository, and nothing is created.
func TestOpenMustExist(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	_, err := Open(t.Context(), dir, Options{MustExist: true})
	if !errors.Is(err, ErrNoRepository) {
		t.Fatalf("Open(%s, MustExist) = %v, want ErrNoRepository", dir, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open(MustExist) made %s: %v", dir, err)
	}
	if _, err := Open(t.Context(), filepath.Dir(dir), Options{MustExist: true}); err != nil {
		t.Fatalf("Open(MustExist) of an existing directory: %v", err)
	}
}

func TestStringHidesSecrets(t *testing.T) {
	spec := remotetest.S3(t)
	s := openStore(t, spec)
	for _, secret := range []string{"access_key_id=", "secret_access_key="} {
		i := strings.Index(spec, secret)
		value := strings.SplitN(spec[i+len(secret):], ",", 2)[0]
		value = strings.SplitN(value, ":", 2)[0]
		if strings.Contains(s.String(), value) {
			t.Errorf("String() = %q shows the %s", s, strings.TrimSuffix(secret, "="))
		}
	}
	if !strings.Contains(s.String(), "endpoint='http://127.0.0.1:") {
		t.Errorf("String() = %q, want the endpoint kept", s)
	}
}

func TestDriveDeletesForGoodUnlessTheUserChoseTheTrash(t *testing.T) {
	tests := []struct {
		name, conf, spec string
		want             string
	}{
		{"default", "[gdrive]\ntype = drive\n", "gdrive:argo", "false"},
		{"rclone.conf says trash", "[gdrive]\ntype = drive\nuse_trash = true\n", "gdrive:argo", "true"},
		{"connection string says trash", "[gdrive]\ntype = drive\n", "gdrive,use_trash=true:argo", "true"},
		{"connection string", "", ":drive:argo", "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := resolve(tt.spec, writeRcloneConf(t, tt.conf), false)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := b.config.Get("use_trash"); got != tt.want {
				t.Errorf("use_trash = %q, want %q", got, tt.want)
			}
		})
	}
}

// Without rclone_config, $RCLONE_CONFIG names the rclone.conf, as it does
// for rclone itself.
func TestOpenHonoursRcloneConfigVariable(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("RCLONE_CONFIG", writeRcloneConf(t, "[fromenv]\ntype = local\n"))
	s, err := Open(t.Context(), "fromenv:"+dir, Options{})
	if err != nil {
		t.Fatalf("a remote from $RCLONE_CONFIG: %v", err)
	}
	mustPut(t, s, "h/home/s/record.json.age", []byte("record"))
}
