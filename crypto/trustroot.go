package crypto

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"
)

// TrustRootInfo is the HKDF info string of the trust root derivation. It
// separates the root from every other use of the identity's secret.
const TrustRootInfo = "argo-backup trust root v1"

// TrustRoot is the ed25519 key pair derived from an identity's secret. It
// certifies the hosts' signing keys. Because it is derived, not stored,
// every copy of the identity (the file, the paper AGE-SECRET-KEY-1 line,
// an escrow, an ssh key) carries it, and nothing new must be kept safe.
type TrustRoot struct {
	priv ed25519.PrivateKey
}

// Public is the root's verifying key, the one certificates must be signed by.
func (r TrustRoot) Public() ed25519.PublicKey { return r.priv.Public().(ed25519.PublicKey) }

// DeriveTrustRoot derives the root from an identity's raw secret: the
// 32-byte X25519 scalar of an age key, the 32-byte seed of an ssh-ed25519
// key, or the big-endian private exponent of an ssh-rsa key.
// seed = HKDF-SHA256(ikm = secret, salt = none, info = TrustRootInfo, 32).
func DeriveTrustRoot(secret []byte) (TrustRoot, error) {
	seed, err := hkdf.Key(sha256.New, secret, nil, TrustRootInfo, ed25519.SeedSize)
	if err != nil {
		return TrustRoot{}, fmt.Errorf("deriving trust root: %w", err)
	}
	return TrustRoot{priv: ed25519.NewKeyFromSeed(seed)}, nil
}

// rootedIdentity is an identity whose secret age does not expose (ssh
// keys): it keeps the derived root beside the age identity.
type rootedIdentity struct {
	age.Identity
	root TrustRoot
}

// TrustRoots returns the trust roots of the identities in ids, in order.
// Identities whose secret cannot be reached are skipped.
func TrustRoots(ids []age.Identity) []TrustRoot {
	var roots []TrustRoot
	for _, id := range ids {
		if r, ok := trustRoot(id); ok {
			roots = append(roots, r)
		}
	}
	return roots
}

func trustRoot(id age.Identity) (TrustRoot, bool) {
	var text string
	switch id := id.(type) {
	case *rootedIdentity:
		return id.root, true
	case *age.X25519Identity:
		text = id.String()
	case *age.HybridIdentity:
		text = id.String()
	default:
		return TrustRoot{}, false
	}
	_, secret, err := bech32Decode(text)
	if err != nil {
		return TrustRoot{}, false
	}
	r, err := DeriveTrustRoot(secret)
	return r, err == nil
}

// withSSHRoot wraps an ssh identity with the root derived from its key.
func withSSHRoot(id age.Identity, pem []byte) (age.Identity, error) {
	raw, err := ssh.ParseRawPrivateKey(pem)
	if err != nil {
		return nil, err
	}
	var secret []byte
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		secret = k.Seed()
	case ed25519.PrivateKey:
		secret = k.Seed()
	case *rsa.PrivateKey:
		secret = k.D.Bytes()
	default:
		return id, nil
	}
	root, err := DeriveTrustRoot(secret)
	if err != nil {
		return nil, err
	}
	return &rootedIdentity{Identity: id, root: root}, nil
}
