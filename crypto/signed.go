package crypto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SignedVersion is the version of the signature envelope.
const SignedVersion = 1

// signedDomain starts every signed message, so that an argo-backup
// signature can never be taken for a signature of anything else.
const signedDomain = "argo-backup signed v1\n"

// maxSigned bounds an envelope (a record of a huge backup is a few MiB).
const maxSigned = 256 << 20

// Signed is the envelope around any object a restore trusts: a record, a
// certificate, later a file index. The signature covers the domain, the
// type and the payload's exact bytes (see SignedMessage), never a choice of
// fields, so that whatever the payload says is what was signed.
type Signed struct {
	Version   int    `json:"signed"`
	Type      string `json:"type"`
	Payload   []byte `json:"payload"`   // base64 in JSON
	Key       []byte `json:"key"`       // the signer's ed25519 public key
	Signature []byte `json:"signature"` // ed25519 over SignedMessage
	// Certificates of Key: one per identity that certified it. A verifier
	// uses the one its own trust root issued.
	Certificates []*Signed `json:"certificates,omitempty"`
}

// MaxCertificates bounds the certificates one object carries.
const MaxCertificates = 16

// SignedMessage is what a signature covers:
// "argo-backup signed v1\n" || type || "\n" || payload.
func SignedMessage(typ string, payload []byte) []byte {
	m := make([]byte, 0, len(signedDomain)+len(typ)+1+len(payload))
	m = append(m, signedDomain...)
	m = append(m, typ...)
	m = append(m, '\n')
	return append(m, payload...)
}

// Sign makes an envelope of typ around payload, signed by key.
func Sign(key ed25519.PrivateKey, typ string, payload []byte) *Signed {
	return &Signed{
		Version:   SignedVersion,
		Type:      typ,
		Payload:   append([]byte(nil), payload...),
		Key:       append([]byte(nil), key.Public().(ed25519.PublicKey)...),
		Signature: ed25519.Sign(key, SignedMessage(typ, payload)),
	}
}

// ErrBadSignature is matched by the error of a signature that does not
// verify: the object was changed after it was signed, or forged.
var ErrBadSignature = errors.New("bad signature")

// Check verifies the envelope's own signature against its own key. It says
// nothing about whether that key is trusted: see VerifySigned.
func (s *Signed) Check() error {
	if !ed25519.Verify(ed25519.PublicKey(s.Key), SignedMessage(s.Type, s.Payload), s.Signature) {
		return fmt.Errorf("%s: %w", s.Type, ErrBadSignature)
	}
	return nil
}

// EncodeSigned returns s as JSON (one line, then a newline).
func EncodeSigned(s *Signed) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode signed %s: %w", s.Type, err)
	}
	return append(b, '\n'), nil
}

// IsSigned reports whether b is a signature envelope rather than a bare
// (first-format) record. Only the presence of the "signed" member counts.
func IsSigned(b []byte) bool {
	var probe struct {
		Version *int `json:"signed"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Version != nil
}

// DecodeSigned parses an envelope and checks its shape (not its trust):
// version, type, key and signature lengths, certificates one level deep.
func DecodeSigned(b []byte) (*Signed, error) {
	if len(b) > maxSigned {
		return nil, fmt.Errorf("signed object of %d bytes is larger than the limit of %d", len(b), maxSigned)
	}
	var s Signed
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode signed object: %w", err)
	}
	if err := s.checkShape(); err != nil {
		return nil, err
	}
	if len(s.Certificates) > MaxCertificates {
		return nil, fmt.Errorf("decode signed object: %d certificates, more than %d", len(s.Certificates), MaxCertificates)
	}
	for _, c := range s.Certificates {
		if c == nil {
			return nil, errors.New("decode signed object: null certificate")
		}
		if err := c.checkShape(); err != nil {
			return nil, fmt.Errorf("certificate: %w", err)
		}
		if len(c.Certificates) > 0 {
			return nil, errors.New("decode signed object: a certificate must not carry certificates")
		}
	}
	return &s, nil
}

func (s *Signed) checkShape() error {
	switch {
	case s.Version != SignedVersion:
		return fmt.Errorf("decode signed object: envelope version %d is not %d (upgrade argo-backup?)", s.Version, SignedVersion)
	case s.Type == "" || strings.ContainsAny(s.Type, "\n\x00"):
		return errors.New("decode signed object: type missing or malformed")
	case len(s.Key) != ed25519.PublicKeySize:
		return fmt.Errorf("decode signed object: key of %d bytes, not %d", len(s.Key), ed25519.PublicKeySize)
	case len(s.Signature) != ed25519.SignatureSize:
		return fmt.Errorf("decode signed object: signature of %d bytes, not %d", len(s.Signature), ed25519.SignatureSize)
	}
	return nil
}
