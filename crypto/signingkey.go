package crypto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// signingKeyLabel starts the line that holds a signing key's seed.
const signingKeyLabel = "ARGO-SIGNING-KEY-1 "

// WriteSigningKey makes a new ed25519 signing key and writes it to path
// (mode 0600, never over an existing file), and returns its public key. It
// signs this host's records; it cannot decrypt anything.
func WriteSigningKey(path string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating signing key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("signing key %s already exists: refusing to overwrite it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("creating signing key: %w", err)
	}
	text := fmt.Sprintf("# argo-backup signing key, created %s\n# public key: %s\n%s%s\n",
		time.Now().UTC().Format(time.RFC3339), FormatPublicKey(pub),
		signingKeyLabel, base64.StdEncoding.EncodeToString(priv.Seed()))
	if err := writeAndSync(f, text); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("writing signing key %s: %w", path, err)
	}
	return pub, nil
}

// LoadSigningKey reads a signing key written by WriteSigningKey. Like an
// identity, it is refused when group or others can read it: whoever has it
// can sign backups as this host. A missing file matches os.ErrNotExist.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("signing key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("signing key %s is readable by group or others (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := readLimited(path, 4096)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, signingKeyLabel) {
			continue
		}
		seed, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, signingKeyLabel))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("signing key %s is damaged: make a new one with argo-backup keygen --signing-key-only", path)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	return nil, fmt.Errorf("signing key %s holds no %sline: not a signing key", path, signingKeyLabel)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errors.New("file too large")
	}
	return b, nil
}

// CertificatePath is where the certificate of the signing key at keyPath
// lives: beside it, ".key" replaced by ".cert" (signing.key: signing.cert).
func CertificatePath(keyPath string) string {
	return strings.TrimSuffix(keyPath, ".key") + ".cert"
}

// WriteCertificate writes a certificate envelope to path. A certificate is
// public (it travels in every record): mode 0644.
func WriteCertificate(path string, cert *Signed) error {
	b, err := EncodeSigned(cert)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write certificate %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write certificate %s: %w", path, err)
	}
	return nil
}

// ReadCertificate reads a certificate envelope from path and decodes it.
func ReadCertificate(path string) (*Signed, *Certificate, error) {
	b, err := readLimited(path, 1<<20)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate %s: %w", path, err)
	}
	return DecodeCertificate(b)
}

// DecodeCertificate decodes a certificate envelope (not its trust).
func DecodeCertificate(b []byte) (*Signed, *Certificate, error) {
	s, err := DecodeSigned(b)
	if err != nil {
		return nil, nil, err
	}
	c, err := ParseCertificate(s)
	if err != nil {
		return nil, nil, err
	}
	return s, c, nil
}

// Signer signs this host's objects with its key and attaches its
// certificate. A push-only host holds one and no identity.
type Signer struct {
	key  ed25519.PrivateKey
	cert *Signed
}

// ErrNotCertified is matched when a signing key has no certificate for the
// host that would use it.
var ErrNotCertified = errors.New("signing key not certified")

// NewSigner pairs key with cert, checking that cert names key and host:
// a record signed with a certificate for another name is never trusted.
func NewSigner(key ed25519.PrivateKey, cert *Signed, host string) (*Signer, error) {
	if cert == nil {
		return nil, ErrNotCertified
	}
	c, err := ParseCertificate(cert)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(c.Key, key.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("%w: its certificate is for another key", ErrNotCertified)
	}
	if c.Host != host {
		return nil, fmt.Errorf("%w for host %q: its certificate is for host %q", ErrNotCertified, host, c.Host)
	}
	return &Signer{key: key, cert: cert}, nil
}

// Public is the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the encoded envelope of typ around payload, with the
// certificate attached.
func (s *Signer) Sign(typ string, payload []byte) ([]byte, error) {
	env := Sign(s.key, typ, payload)
	env.Certificate = s.cert
	return EncodeSigned(env)
}
