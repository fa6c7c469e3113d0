// Package cryptotest makes the keys tests need: an age identity with a
// sealer to it, and signing keys certified the way keygen certifies them.
// One place for this setup keeps the tests of every package making keys
// the same way.
package cryptotest

import (
	"crypto/ed25519"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
)

// Keys returns a fresh age identity and a sealer to it (zstd level 3).
func Keys(t testing.TB) (*age.X25519Identity, *crypto.Sealer) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := crypto.NewSealer([]age.Recipient{id.Recipient()}, 3)
	if err != nil {
		t.Fatal(err)
	}
	return id, sealer
}

// Signer makes a fresh signing key for host, certified now by id's trust
// root: a host set up as keygen sets it up.
func Signer(t testing.TB, id age.Identity, host string) *crypto.Signer {
	t.Helper()
	roots := crypto.TrustRoots([]age.Identity{id})
	if len(roots) != 1 {
		t.Fatalf("identity gives %d trust roots", len(roots))
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return Certified(t, roots[0], key, crypto.Certificate{Host: host, Key: key.Public().(ed25519.PublicKey), Issued: time.Now()})
}

// Certified returns a signer for key with the certificate c, signed by root.
func Certified(t testing.TB, root crypto.TrustRoot, key ed25519.PrivateKey, c crypto.Certificate) *crypto.Signer {
	t.Helper()
	cert, err := crypto.Certify(root, c)
	if err != nil {
		t.Fatal(err)
	}
	s, err := crypto.NewSigner(key, []*crypto.Signed{cert}, c.Host)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
