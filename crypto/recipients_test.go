package crypto

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRecipients(t *testing.T) {
	x := newX25519(t)
	key := newSSHKey(t, "")
	tests := []struct {
		name    string
		lines   []string
		want    int      // recipients parsed
		wantErr []string // substrings of the error
	}{
		{"age", []string{x.Recipient().String()}, 1, nil},
		{"ssh-ed25519 with comment", []string{key.authorized}, 1, nil},
		{"ssh-rsa", []string{newRSAAuthorizedKey(t)}, 1, nil},
		{"authorized_keys options", []string{`no-pty,command="/bin/true" ` + key.authorized}, 1, nil},
		{"comments and blanks skipped", []string{"# laptop", "", "  " + x.Recipient().String() + "  ", "", "# ssh", key.authorized}, 2, nil},
		{"bad line named", []string{"# ok", x.Recipient().String(), "age1notarealrecipientatall0000000000"},
			0, []string{"line 3", `"age1notarealrecipien..."`, "expected an age1... recipient or an ssh-ed25519 public key"}},
		{"unknown type", []string{"ecdsa-sha2-nistp256 AAAA"}, 0, []string{"line 1", "expected an age1"}},
		{"secret key not echoed", []string{x.String()}, 0, []string{"line 1", "private key"}},
		{"none", []string{"# nothing here", ""}, 0, []string{"no recipients"}},
		{"empty", nil, 0, []string{"no recipients"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := ParseRecipients(tt.lines)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != tt.want {
					t.Fatalf("got %d recipients, want %d", len(rs), tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "AGE-SECRET-KEY") {
				t.Errorf("error %q contains a secret key", err)
			}
		})
	}
}

func TestReadRecipientsFileLineNumbers(t *testing.T) {
	x := newX25519(t)
	path := filepath.Join(t.TempDir(), "recipients")
	text := "# team\r\n" + x.Recipient().String() + "\r\n\r\nnot-a-key\r\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, err := ReadRecipientsFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseRecipients(lines)
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Fatalf("got %v, want an error naming line 4", err)
	}
	if _, err := ReadRecipientsFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file: no error")
	}
}
