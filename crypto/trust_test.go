package crypto

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// rootOf derives the one trust root of the identity file at path.
func rootOf(t *testing.T, path string) ed25519.PublicKey {
	t.Helper()
	ids, err := LoadIdentities(path)
	if err != nil {
		t.Fatal(err)
	}
	roots := TrustRoots(ids)
	if len(roots) != 1 {
		t.Fatalf("%d roots, want 1", len(roots))
	}
	return roots[0].Public()
}

// Every copy of an identity gives the same root: the file, the bare
// AGE-SECRET-KEY-1 line, and an escrow of it.
func TestTrustRootSameFromEveryCopy(t *testing.T) {
	x := newX25519(t)
	file := writeFile(t, []byte("# created: x\n# public key: "+x.Recipient().String()+"\n"+x.String()+"\n"), 0o600)
	want := rootOf(t, file)
	old := escrowWorkFactor
	escrowWorkFactor = 10
	t.Cleanup(func() { escrowWorkFactor = old })
	sealed, err := EscrowSeal(x.String()+"\n", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	escrowed, _, err := EscrowOpen(sealed, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	copies := map[string][]age.Identity{
		"bare line": mustParse(t, x.String()),
		"escrow":    escrowed,
	}
	for name, ids := range copies {
		roots := TrustRoots(ids)
		if len(roots) != 1 || !roots[0].Public().Equal(want) {
			t.Errorf("%s: root differs from the identity file's", name)
		}
	}
	other := writeFile(t, []byte(newX25519(t).String()+"\n"), 0o600)
	if rootOf(t, other).Equal(want) {
		t.Error("two identities give the same root")
	}
}

func mustParse(t *testing.T, text string) []age.Identity {
	t.Helper()
	ids, err := parseAgeIdentities("test", text)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// An ssh-ed25519 identity has a root of its own, stable across loads, and
// still decrypts.
func TestTrustRootSSH(t *testing.T) {
	k := newSSHKey(t, "")
	path := writeFile(t, k.private, 0o600)
	a, b := rootOf(t, path), rootOf(t, path)
	if !a.Equal(b) {
		t.Fatal("ssh root differs between loads")
	}
	rs, err := ParseRecipients([]string{k.authorized})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := Encrypt(rs, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := LoadIdentities(path)
	if plain, err := Decrypt(ids, sealed); err != nil || string(plain) != "hello" {
		t.Fatalf("wrapped ssh identity does not decrypt: %v", err)
	}
}

type trustFixture struct {
	root   TrustRoot
	key    ed25519.PrivateKey
	signer *Signer
}

func newTrustFixture(t *testing.T, host string) trustFixture {
	t.Helper()
	root, err := DeriveTrustRoot([]byte(t.Name() + "-secret-of-32-bytes-at-least...."))
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := Certify(root, Certificate{Host: host, Key: key.Public().(ed25519.PublicKey), Issued: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(key, []*Signed{cert}, host)
	if err != nil {
		t.Fatal(err)
	}
	return trustFixture{root, key, s}
}

func TestVerifySigned(t *testing.T) {
	f := newTrustFixture(t, "laptop")
	roots := []ed25519.PublicKey{f.root.Public()}
	good, err := f.signer.Sign("argo-backup record", []byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	stranger := newTrustFixture(t, "laptop")
	stranger.root, _ = DeriveTrustRoot([]byte("another identity's secret......."))
	foreign, _ := Certify(stranger.root, Certificate{Host: "laptop", Key: f.key.Public().(ed25519.PublicKey), Issued: time.Now()})
	tests := []struct {
		name   string
		change func(s *Signed)
		want   error
	}{
		{"intact", func(*Signed) {}, nil},
		{"payload changed", func(s *Signed) { s.Payload[0] ^= 1 }, ErrBadSignature},
		{"type changed", func(s *Signed) { s.Type = "argo-backup index" }, ErrBadSignature},
		{"no certificate", func(s *Signed) { s.Certificates = nil }, ErrNoCertificate},
		{"certificate of another root", func(s *Signed) { s.Certificates = []*Signed{foreign} }, ErrUnknownSigner},
		{"another root's certificate first", func(s *Signed) { s.Certificates = append([]*Signed{foreign}, s.Certificates...) }, nil},
		{"a made-up certificate naming the root first", func(s *Signed) {
			fake := *s.Certificates[0]
			fake.Signature = make([]byte, 64)
			s.Certificates = append([]*Signed{&fake}, s.Certificates...)
		}, nil},
		{"certificate altered", func(s *Signed) {
			c := *s.Certificates[0]
			c.Payload = []byte(strings.Replace(string(c.Payload), "laptop", "lapto2", 1))
			s.Certificates = []*Signed{&c}
		}, ErrBadCertificate},
		{"signed by another key", func(s *Signed) {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			o := Sign(k, s.Type, s.Payload)
			s.Key, s.Signature = o.Key, o.Signature
		}, ErrBadCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeSigned(good)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(s)
			v, err := VerifySigned(s, "argo-backup record", roots)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (string(v.Payload) != "payload" || v.Cert.Host != "laptop") {
				t.Fatalf("verified %q for %q", v.Payload, v.Cert.Host)
			}
		})
	}
}

func TestNewSignerRefusesOtherHostOrKey(t *testing.T) {
	f := newTrustFixture(t, "laptop")
	if _, err := NewSigner(f.key, f.signer.certs, "desktop"); !errors.Is(err, ErrNotCertified) {
		t.Errorf("certificate for laptop used as desktop: %v", err)
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := NewSigner(other, f.signer.certs, "laptop"); !errors.Is(err, ErrNotCertified) {
		t.Errorf("certificate of another key accepted: %v", err)
	}
	if _, err := NewSigner(f.key, nil, "laptop"); !errors.Is(err, ErrNotCertified) {
		t.Errorf("no certificate accepted: %v", err)
	}
}

func TestSigningKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.key")
	pub, err := WriteSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteSigningKey(path); err == nil {
		t.Fatal("overwrote an existing signing key")
	}
	key, err := LoadSigningKey(path)
	if err != nil || !key.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("loaded %v, %v", key, err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSigningKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable key: %v", err)
	}
	if _, err := LoadSigningKey(path + ".missing"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing key: %v", err)
	}
	if got := CertificatePath("/etc/argo-backup/signing.key"); got != "/etc/argo-backup/signing.cert" {
		t.Errorf("CertificatePath = %s", got)
	}
}

func TestPublicKeyText(t *testing.T) {
	f := newTrustFixture(t, "h")
	pub := f.signer.Public()
	back, err := ParsePublicKey(FormatPublicKey(pub))
	if err != nil || !back.Equal(pub) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:AAAA", "age1xyz", FormatPublicKey(pub)[8:]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
