package restore

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
)

// The vectors in testdata/trust-v1 were computed by an independent
// implementation (scripts/trust-vectors.py, from docs/formats.md):
// argo-backup must derive the same root, accept the certificate and the
// signed record, and hash the record the same way.
func TestTrustVectors(t *testing.T) {
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("..", "testdata", "trust-v1", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	ids, err := age.ParseIdentities(strings.NewReader(read("identity.txt")))
	if err != nil {
		t.Fatal(err)
	}
	roots := crypto.TrustRoots(ids)
	if len(roots) != 1 || base64.StdEncoding.EncodeToString(roots[0].Public()) != read("root.pub") {
		t.Fatalf("derived root differs from root.pub")
	}
	certs, err := crypto.DecodeCertificates([]byte(read("signing.cert")))
	if err != nil || len(certs) != 1 {
		t.Fatalf("signing.cert: %v", err)
	}
	seed, _ := base64.StdEncoding.DecodeString(read("signing.seed"))
	if _, err := crypto.NewSigner(ed25519.NewKeyFromSeed(seed), certs, "workstation"); err != nil {
		t.Fatalf("signing.cert does not certify the seed's key: %v", err)
	}

	e := &Entry{Snapshot: "home.20261126T004200Z"}
	classify(e, []byte(read("record.signed.json")), []ed25519.PublicKey{roots[0].Public()}, "workstation", "home")
	if !e.Trusted {
		t.Fatalf("record.signed.json not trusted: %s", e.Reason)
	}
	if e.hash != read("record.sha256") {
		t.Fatalf("record hash %s, the vector says %s", e.hash, read("record.sha256"))
	}
	other, _ := age.GenerateX25519Identity()
	e = &Entry{Snapshot: "home.20261126T004200Z"}
	classify(e, []byte(read("record.signed.json")), []ed25519.PublicKey{crypto.TrustRoots([]age.Identity{other})[0].Public()}, "workstation", "home")
	if e.Trusted || e.Reason != ReasonUnknownSigner {
		t.Fatalf("trusted under another identity's root: %+v", e)
	}
}
