package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"golang.org/x/crypto/ssh"
)

// maxIdentityFile bounds how much of an identity file is read; real ones
// are a few hundred bytes (a few KiB for an RSA key).
const maxIdentityFile = 1 << 20

// LoadIdentities reads the private keys in path: an age identity file (as
// written by WriteIdentity or age-keygen) or an unencrypted OpenSSH private
// key. The file is refused if group or others can read or write it, because
// whoever can read it can read every backup.
//
// Errors never include key material: they end up in logs and bug reports.
func LoadIdentities(path string) ([]age.Identity, error) {
	if err := checkIdentityFile(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening identity file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxIdentityFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading identity file %s: %w", path, err)
	}
	if len(b) > maxIdentityFile {
		return nil, fmt.Errorf("identity file %s is too large to be an identity file", path)
	}
	if bytes.Contains(b, []byte("-----BEGIN")) {
		return parseSSHIdentity(path, b)
	}
	return parseAgeIdentities("identity file "+path, string(b))
}

// checkIdentityFile refuses anything but a regular file private to its owner.
func checkIdentityFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("identity file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("identity file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("identity file %s is readable by group or others (mode %04o): run chmod 600 %s", path, perm, path)
	}
	return nil
}

// parseAgeIdentities parses the text of an age identity file line by line,
// so that a bad line is reported by number but never quoted. source names
// the text in errors.
func parseAgeIdentities(source, text string) ([]age.Identity, error) {
	var ids []age.Identity
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parsed, err := age.ParseIdentities(strings.NewReader(line))
		if err != nil {
			return nil, fmt.Errorf("%s, line %d: %s", source, i+1, identityProblem(line))
		}
		ids = append(ids, parsed...)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s holds no identity: create one with argo-backup keygen", source)
	}
	return ids, nil
}

// identityProblem describes a line that failed to parse without quoting it.
func identityProblem(line string) string {
	if strings.HasPrefix(strings.ToUpper(line), "AGE-SECRET-KEY-") {
		return "malformed age secret key (truncated or mistyped?)"
	}
	if strings.HasPrefix(line, "age1") || strings.HasPrefix(line, "ssh-") {
		return "this is a public key (a recipient); the identity file needs the private key"
	}
	return "not an age secret key: expected a file written by argo-backup keygen or age-keygen"
}

// parseSSHIdentity parses an OpenSSH private key. Passphrase-protected keys
// are refused: a daemon cannot type a passphrase.
func parseSSHIdentity(path string, pem []byte) ([]age.Identity, error) {
	id, err := agessh.ParseIdentity(pem)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("identity file %s is a passphrase-protected SSH key, which cannot be used unattended: use an age identity (argo-backup keygen)", path)
	case err != nil:
		// ssh's parse errors do not quote the key, but the type switch
		// message of agessh names only the Go type: both are safe to show.
		return nil, fmt.Errorf("identity file %s is not a usable ssh-ed25519 or ssh-rsa private key: %v", path, err)
	}
	rooted, err := withSSHRoot(id, pem)
	if err != nil {
		return nil, fmt.Errorf("identity file %s: reading the private key: %v", path, err)
	}
	return []age.Identity{rooted}, nil
}

// NewIdentity generates an age X25519 key pair and returns the secret
// ("AGE-SECRET-KEY-1...") and its recipient ("age1...").
func NewIdentity() (secret, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", fmt.Errorf("generating identity: %w", err)
	}
	return id.String(), id.Recipient().String(), nil
}

// WriteIdentity generates a new identity, writes it to path in age-keygen's
// format and returns its recipient. It never overwrites an existing file:
// losing an identity loses every backup encrypted only to it. A missing
// parent directory is created private (0700).
func WriteIdentity(path string) (recipient string, err error) {
	secret, recipient, err := NewIdentity()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("creating identity directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return "", fmt.Errorf("identity file %s already exists: refusing to overwrite it (move it away first)", path)
	}
	if err != nil {
		return "", fmt.Errorf("creating identity file: %w", err)
	}
	text := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n",
		time.Now().Format(time.RFC3339), recipient, secret)
	if err := writeAndSync(f, text); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("writing identity file %s: %w", path, err)
	}
	return recipient, nil
}

// writeAndSync writes text, syncs and closes f: an identity that is
// reported written must survive a power cut.
func writeAndSync(f *os.File, text string) error {
	_, err := f.WriteString(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Recipients returns the recipients ("age1...") of the X25519 and
// post-quantum identities in ids; SSH identities are skipped. doctor uses it
// to check that the identity can decrypt what push encrypts.
func Recipients(ids []age.Identity) []string {
	var rs []string
	for _, id := range ids {
		switch id := id.(type) {
		case *age.X25519Identity:
			rs = append(rs, id.Recipient().String())
		case *age.HybridIdentity:
			rs = append(rs, id.Recipient().String())
		}
	}
	return rs
}
