package crypto

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"
)

// FuzzDecodeSigned feeds arbitrary bytes to the envelope decoder and the
// verifier: they never panic, a decoded envelope encodes and decodes to
// itself, and nothing but the genuine signed object verifies.
func FuzzDecodeSigned(f *testing.F) {
	root, _ := DeriveTrustRoot([]byte("fuzz root secret of 32 bytes...."))
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	cert, _ := Certify(root, Certificate{Host: "h", Key: key.Public().(ed25519.PublicKey), Issued: time.Unix(1, 0)})
	s, _ := NewSigner(key, []*Signed{cert}, "h")
	genuine, _ := s.Sign("argo-backup record", []byte(`{"format":1}`))
	f.Add(genuine)
	f.Add([]byte(`{"signed":1}`))
	f.Add([]byte(`{"signed":1,"type":"x","key":"","signature":"","certificates":[null]}`))
	roots := []ed25519.PublicKey{root.Public()}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := DecodeSigned(b)
		if err != nil {
			return
		}
		again, err := EncodeSigned(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeSigned(again); err != nil {
			t.Fatalf("re-encoded envelope does not decode: %v", err)
		}
		v, err := VerifySigned(env, "argo-backup record", roots)
		if err == nil && !bytes.Equal(v.Payload, []byte(`{"format":1}`)) {
			t.Fatalf("a forged payload verified: %q", v.Payload)
		}
	})
}
