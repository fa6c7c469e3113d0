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

// WriteCertificates writes certificate envelopes to path, one JSON object
// a line. Certificates are public (they travel in every record): 0644.
func WriteCertificates(path string, certs []*Signed) error {
	data, err := EncodeCertificates(certs)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write certificate %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write certificate %s: %w", path, err)
	}
	return nil
}

// EncodeCertificates is the file form of certs: one envelope a line.
func EncodeCertificates(certs []*Signed) ([]byte, error) {
	var b bytes.Buffer
	for _, c := range certs {
		line, err := EncodeSigned(c)
		if err != nil {
			return nil, err
		}
		b.Write(line)
	}
	return b.Bytes(), nil
}

// ReadCertificates reads the certificates at path.
func ReadCertificates(path string) ([]*Signed, error) {
	b, err := readLimited(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", path, err)
	}
	return DecodeCertificates(b)
}

// DecodeCertificates decodes one certificate envelope a line (not their
// trust), at most MaxCertificates.
func DecodeCertificates(b []byte) ([]*Signed, error) {
	var out []*Signed
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s, err := DecodeSigned(line)
		if err != nil {
			return nil, err
		}
		if _, err := ParseCertificate(s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) > MaxCertificates {
		return nil, fmt.Errorf("%d certificates, more than %d", len(out), MaxCertificates)
	}
	return out, nil
}

// MergeCertificates is a with every certificate of b added, b's replacing
// a's where the same root issued both: one certificate per identity.
func MergeCertificates(a, b []*Signed) []*Signed {
	out := append([]*Signed(nil), a...)
	for _, c := range b {
		replaced := false
		for i, o := range out {
			if bytes.Equal(o.Key, c.Key) {
				out[i], replaced = c, true
				break
			}
		}
		if !replaced {
			out = append(out, c)
		}
	}
	if len(out) > MaxCertificates {
		out = out[len(out)-MaxCertificates:]
	}
	return out
}

// Signer signs this host's objects with its key and attaches its
// certificates. A push-only host holds one and no identity.
type Signer struct {
	key   ed25519.PrivateKey
	certs []*Signed
}

// ErrNotCertified is matched when a signing key has no certificate for the
// host that would use it.
var ErrNotCertified = errors.New("signing key not certified")

// NewSigner pairs key with those of certs that name key and host (a record
// signed under a certificate for another name is never trusted). It fails
// when none does. Who issued them cannot be checked without an identity.
func NewSigner(key ed25519.PrivateKey, certs []*Signed, host string) (*Signer, error) {
	s := &Signer{key: key}
	problem := ErrNotCertified
	for _, cert := range certs {
		c, err := ParseCertificate(cert)
		switch {
		case err != nil:
			problem = err
		case !bytes.Equal(c.Key, key.Public().(ed25519.PublicKey)):
			problem = fmt.Errorf("%w: its certificate is for another key", ErrNotCertified)
		case c.Host != host:
			problem = fmt.Errorf("%w for host %q: its certificate is for host %q", ErrNotCertified, host, c.Host)
		default:
			s.certs = append(s.certs, cert)
		}
	}
	if len(s.certs) == 0 {
		return nil, problem
	}
	return s, nil
}

// Public is the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Certificates are the certificates the signer attaches.
func (s *Signer) Certificates() []*Signed { return s.certs }

// IssuedBy reports whether one of the signer's certificates was issued by
// root.
func (s *Signer) IssuedBy(root ed25519.PublicKey) bool {
	for _, c := range s.certs {
		if root.Equal(ed25519.PublicKey(c.Key)) {
			return true
		}
	}
	return false
}

// Sign returns the encoded envelope of typ around payload, with the
// certificates attached.
func (s *Signer) Sign(typ string, payload []byte) ([]byte, error) {
	env := Sign(s.key, typ, payload)
	env.Certificates = s.certs
	return EncodeSigned(env)
}
