package crypto

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	"filippo.io/age"
)

// SealHashing's sums are those of the plaintext given and of the bytes it
// wrote (the expected values from crypto/sha256 over each, in one call),
// and what it wrote opens to the plaintext: for sizes around its slices.
func TestSealHashingSums(t *testing.T) {
	s, id := sealer(t, 3)
	random := randomBytes(t, 3*hashSlice+7)
	for _, n := range []int{0, 1, hashSlice - 1, hashSlice, hashSlice + 1, 3*hashSlice + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			plain := random[:n]
			var sealed bytes.Buffer
			plainHash, sealedHash := sha256.New(), sha256.New()
			if err := s.SealHashing(&sealed, plain, plainHash, sealedHash); err != nil {
				t.Fatal(err)
			}
			if want := sha256.Sum256(plain); !bytes.Equal(plainHash.Sum(nil), want[:]) {
				t.Errorf("plaintext sum %x, want %x", plainHash.Sum(nil), want)
			}
			if want := sha256.Sum256(sealed.Bytes()); !bytes.Equal(sealedHash.Sum(nil), want[:]) {
				t.Errorf("sealed sum %x, want %x", sealedHash.Sum(nil), want)
			}
			got, err := openAll([]age.Identity{id}, sealed.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, plain) {
				t.Errorf("opened %d bytes, want the %d sealed", len(got), len(plain))
			}
		})
	}
}
