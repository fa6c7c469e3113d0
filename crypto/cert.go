package crypto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// CertificateType is the envelope type of a certificate.
const CertificateType = "argo-backup certificate"

// Certificate is what the trust root vouches for: that Key signs for Host
// (from Issued on), and that the keys in Revokes are no longer trusted from
// their dates on. A new certificate travels inside every record signed
// with its key, so deleting one object never removes a revocation.
type Certificate struct {
	Host    string       `json:"host"`
	Key     []byte       `json:"key"` // ed25519 public key, base64 in JSON
	Issued  time.Time    `json:"issued"`
	Revokes []Revocation `json:"revokes,omitempty"`
}

// Revocation withdraws trust in Key for everything it signed from From on.
type Revocation struct {
	Key  []byte    `json:"key"`
	From time.Time `json:"from"`
}

// Certify signs c with the root: the payload is c's JSON with times in UTC.
func Certify(root TrustRoot, c Certificate) (*Signed, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.Issued = c.Issued.UTC().Truncate(time.Second)
	for i := range c.Revokes {
		c.Revokes[i].From = c.Revokes[i].From.UTC().Truncate(time.Second)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode certificate: %w", err)
	}
	return Sign(root.priv, CertificateType, payload), nil
}

// ParseCertificate decodes the payload of a certificate envelope. It does
// not check who signed it: see VerifySigned.
func ParseCertificate(s *Signed) (*Certificate, error) {
	if s.Type != CertificateType {
		return nil, fmt.Errorf("not a certificate but %q", s.Type)
	}
	var c Certificate
	dec := json.NewDecoder(bytes.NewReader(s.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode certificate: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

func (c *Certificate) check() error {
	if c.Host == "" || strings.ContainsAny(c.Host, "/\n\x00") {
		return errors.New("certificate: host missing or malformed")
	}
	if len(c.Key) != ed25519.PublicKeySize {
		return errors.New("certificate: key missing or malformed")
	}
	for _, r := range c.Revokes {
		if len(r.Key) != ed25519.PublicKeySize {
			return errors.New("certificate: revoked key malformed")
		}
	}
	return nil
}

// Why a signed object is not trusted.
var (
	ErrNoCertificate  = errors.New("no certificate")
	ErrUnknownSigner  = errors.New("certificate not issued by this identity (unknown signer)")
	ErrBadCertificate = errors.New("bad certificate")
)

// Verified is a signed object whose signature and certificate checked out.
type Verified struct {
	Payload []byte
	Cert    *Certificate
}

// VerifySigned checks that s is of type typ, carries a certificate signed by
// one of roots, and is signed by the key that certificate names. The host
// the certificate names is for the caller to compare with the payload's.
func VerifySigned(s *Signed, typ string, roots []ed25519.PublicKey) (*Verified, error) {
	if s.Type != typ {
		return nil, fmt.Errorf("%w: a %q where a %q was expected", ErrBadSignature, s.Type, typ)
	}
	if len(s.Certificates) == 0 {
		return nil, ErrNoCertificate
	}
	// Every certificate that claims one of roots is tried: one made up
	// by someone else (naming the root, with a bad signature) must not
	// hide a genuine one.
	var cert *Certificate
	err := ErrUnknownSigner
	for _, c := range s.Certificates {
		if !containsKey(roots, c.Key) {
			continue
		}
		if cert, err = checkCertificate(c, s.Key); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &Verified{Payload: s.Payload, Cert: cert}, nil
}

// checkCertificate checks a certificate's own signature and that it
// certifies key.
func checkCertificate(c *Signed, key []byte) (*Certificate, error) {
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	cert, err := ParseCertificate(c)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	if !bytes.Equal(cert.Key, key) {
		return nil, fmt.Errorf("%w: it certifies another key than the one that signed", ErrBadCertificate)
	}
	return cert, nil
}

func containsKey(keys []ed25519.PublicKey, k []byte) bool {
	for _, c := range keys {
		if bytes.Equal(c, k) {
			return true
		}
	}
	return false
}

// PublicKeyPrefix starts the text form of a signing key's public half.
const PublicKeyPrefix = "ed25519:"

// FormatPublicKey is the text form of a signing public key, as certify
// takes it: "ed25519:" and the standard base64 of the 32 bytes.
func FormatPublicKey(k []byte) string {
	return PublicKeyPrefix + base64.StdEncoding.EncodeToString(k)
}

// ParsePublicKey reverses FormatPublicKey.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), PublicKeyPrefix))
	if err != nil || !strings.HasPrefix(strings.TrimSpace(s), PublicKeyPrefix) || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%q is not a signing public key (expected %s followed by 44 base64 characters)", s, PublicKeyPrefix)
	}
	return ed25519.PublicKey(b), nil
}
