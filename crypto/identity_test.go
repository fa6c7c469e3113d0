package crypto

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestLoadIdentitiesPermissions(t *testing.T) {
	x := newX25519(t)
	content := []byte("# public key: " + x.Recipient().String() + "\n" + x.String() + "\n")
	tests := []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true},
		{0o400, true},
		{0o644, false},
		{0o640, false},
		{0o604, false},
		{0o620, false},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			path := writeFile(t, content, tt.mode)
			ids, err := LoadIdentities(path)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if got := Recipients(ids); len(got) != 1 || got[0] != x.Recipient().String() {
					t.Fatalf("Recipients = %v, want [%s]", got, x.Recipient())
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			mode := fmt.Sprintf("(mode %04o)", tt.mode.Perm())
			for _, s := range []string{path, "readable by group or others", mode, "chmod 600 " + path} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestLoadIdentitiesErrorsHideKeys(t *testing.T) {
	x := newX25519(t)
	secret := x.String()
	// A mistyped key: one character changed, so the checksum fails.
	mistyped := secret[:30] + flip(secret[30]) + secret[31:]
	enc := newSSHKey(t, "hunter2")
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"mistyped", "# created: now\n" + mistyped + "\n", "line 2: malformed age secret key"},
		{"truncated", secret[:40] + "\n", "line 1: malformed age secret key"},
		{"public key instead", x.Recipient().String() + "\n", "line 1: this is a public key"},
		{"empty", "# nothing\n\n", "holds no identity"},
		{"encrypted ssh key", string(enc.private), "passphrase-protected SSH key"},
		{"garbage pem", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "not a usable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadIdentities(writeFile(t, []byte(tt.content), 0o600))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			for _, leak := range []string{"AGE-SECRET-KEY", secret[20:40], mistyped[20:40]} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q contains key material %q", err, leak)
				}
			}
		})
	}
}

// flip returns a different bech32 character than c.
func flip(c byte) string {
	if c == 'Q' {
		return "P"
	}
	return "Q"
}

func TestLoadIdentitiesSSH(t *testing.T) {
	key := newSSHKey(t, "")
	ids, err := LoadIdentities(writeFile(t, key.private, 0o600))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ParseRecipients([]string{key.authorized})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := Encrypt(rs, []byte("record"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Decrypt(ids, sealed); err != nil || string(got) != "record" {
		t.Fatalf("Decrypt = %q, %v; want \"record\"", got, err)
	}
}

func TestWriteIdentity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "identity.txt")
	recipient, err := WriteIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("identity mode %04o, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode %04o, want 0700", di.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	format := regexp.MustCompile(`^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)\n# public key: (age1[a-z0-9]+)\nAGE-SECRET-KEY-1[A-Z0-9]+\n$`)
	m := format.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("identity file not in age-keygen format:\n%s", b)
	}
	if m[2] != recipient {
		t.Errorf("file says public key %s, WriteIdentity returned %s", m[2], recipient)
	}
	ids, err := LoadIdentities(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := Recipients(ids); len(got) != 1 || got[0] != recipient {
		t.Errorf("Recipients(loaded) = %v, want [%s]", got, recipient)
	}

	if _, err := WriteIdentity(path); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second WriteIdentity: %v, want an 'already exists' error", err)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Fatal("second WriteIdentity changed the existing file")
	}
}

func TestNewIdentity(t *testing.T) {
	secret, recipient, err := NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := LoadIdentities(writeFile(t, []byte(secret+"\n"), 0o600))
	if err != nil {
		t.Fatal(err)
	}
	if got := Recipients(ids); len(got) != 1 || got[0] != recipient {
		t.Fatalf("Recipients = %v, want [%s]", got, recipient)
	}
}

func TestLoadIdentitiesNotAFile(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ path, want string }{
		{dir, "not a regular file"},
		{filepath.Join(dir, "missing"), "no such file"},
	} {
		if _, err := LoadIdentities(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadIdentities(%s) = %v, want an error mentioning %q", tt.path, err, tt.want)
		}
	}
}
