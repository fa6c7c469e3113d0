package crypto

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/agessh"
)

// ParseRecipients parses public keys, one per element: age X25519
// ("age1..."), age post-quantum ("age1pq1...") and OpenSSH ssh-ed25519 or
// ssh-rsa keys as found in authorized_keys or *.pub files. Blank lines and
// lines starting with '#' are skipped, so the lines of a recipients file can
// be passed as they are.
//
// Errors name the 1-based line and its start, so a user can find the bad
// entry in a long list. Zero recipients is an error: a backup nobody can
// decrypt is worse than no backup.
func ParseRecipients(lines []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRecipient(line)
		if err != nil {
			return nil, fmt.Errorf("recipient on line %d: %w", i+1, err)
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, errors.New("no recipients: add an age1... recipient or an ssh-ed25519 public key (argo-backup keygen prints one)")
	}
	return rs, nil
}

// parseRecipient parses one non-blank, non-comment line.
func parseRecipient(s string) (age.Recipient, error) {
	if looksSecret(s) {
		// Never echo it: the user pasted a private key where a public one
		// belongs, and errors end up in logs.
		return nil, errors.New("this is a private key, not a recipient: use its public key (age-keygen -y, or the \"# public key:\" line)")
	}
	var (
		r   age.Recipient
		err error
	)
	switch {
	case strings.HasPrefix(s, "age1pq1"):
		r, err = age.ParseHybridRecipient(s)
	case strings.HasPrefix(s, "age1"):
		r, err = age.ParseX25519Recipient(s)
	default:
		// An authorized_keys line, options and comment included.
		r, err = agessh.ParseRecipient(s)
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not valid: expected an age1... recipient or an ssh-ed25519 public key", excerpt(s))
	}
	return r, nil
}

// looksSecret reports whether s looks like private key material.
func looksSecret(s string) bool {
	return strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-") ||
		strings.HasPrefix(s, "-----BEGIN")
}

// excerpt returns the first 20 characters of s, enough to find the line
// without flooding the error with a 700-character RSA key.
func excerpt(s string) string {
	const max = 20
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "..."
}

// ReadRecipientsFile returns the lines of a recipients file, comments and
// blank lines included, so that ParseRecipients reports file line numbers.
func ReadRecipientsFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading recipients file: %w", err)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("recipients file %s is not text (UTF-8)", path)
	}
	return strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), nil
}
