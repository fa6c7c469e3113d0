package restore

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/crypto"
)

// FuzzClassify feeds arbitrary decrypted record objects (envelopes or bare
// records) to the classifier: it never panics, and never trusts anything
// that does not carry a valid signature under the root.
func FuzzClassify(f *testing.F) {
	root, _ := crypto.DeriveTrustRoot([]byte("fuzz root secret of 32 bytes...."))
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	cert, _ := crypto.Certify(root, crypto.Certificate{Host: "workstation", Key: key.Public().(ed25519.PublicKey), Issued: time.Unix(1, 0)})
	signer, _ := crypto.NewSigner(key, []*crypto.Signed{cert}, "workstation")
	record, err := os.ReadFile("../testdata/record-v1.json")
	if err != nil {
		f.Fatal(err)
	}
	signed, _ := signer.Sign("argo-backup record", record)
	f.Add(record)
	f.Add(signed)
	roots := []ed25519.PublicKey{root.Public()}
	f.Fuzz(func(t *testing.T, plain []byte) {
		e := &Entry{Snapshot: "home.20261126T004200Z"}
		classify(e, plain, roots, "workstation", "home")
		if e.Trusted && !bytes.Equal(plain, signed) {
			env, err := crypto.DecodeSigned(plain)
			if err != nil {
				t.Fatal("trusted without an envelope")
			}
			if _, err := crypto.VerifySigned(env, "argo-backup record", roots); err != nil {
				t.Fatalf("trusted, but the signature does not verify: %v", err)
			}
		}
	})
}
