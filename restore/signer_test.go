package restore_test

import (
	"crypto/ed25519"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
)

// newSigner makes a signing key for host, certified by id's trust root: a
// host set up as keygen sets it up.
func newSigner(t *testing.T, id age.Identity, host string) *crypto.Signer {
	t.Helper()
	roots := crypto.TrustRoots([]age.Identity{id})
	if len(roots) != 1 {
		t.Fatalf("identity gives %d trust roots", len(roots))
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return certifiedSigner(t, roots[0], key, crypto.Certificate{Host: host, Key: key.Public().(ed25519.PublicKey), Issued: time.Now()})
}

func certifiedSigner(t *testing.T, root crypto.TrustRoot, key ed25519.PrivateKey, c crypto.Certificate) *crypto.Signer {
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
