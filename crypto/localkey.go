package crypto

import (
	"crypto/hkdf"
	"crypto/sha256"
)

// LocalKey derives from the root's secret a 32-byte key for authenticating
// what argo-backup keeps on this machine for its own later use (the index
// cache in state_dir): only a holder of the identity can make a tag that
// verifies, as only one can sign. purpose separates the uses.
func (r TrustRoot) LocalKey(purpose string) []byte {
	k, err := hkdf.Key(sha256.New, r.priv.Seed(), nil, "argo-backup local key v1: "+purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF-SHA256 cannot give
	}
	return k
}
