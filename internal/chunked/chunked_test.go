package chunked

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// The expected sums come from crypto/sha256 in one call, for sizes around
// the slice boundaries.
func TestSHA256MatchesOneCall(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	buf := make([]byte, 3*Slice+100)
	for i := range buf {
		buf[i] = byte(rng.UintN(256))
	}
	for _, n := range []int{0, 1, 63, 64, Slice - 1, Slice, Slice + 1, 2 * Slice, 3*Slice + 100} {
		if got, want := SHA256(buf[:n]), sha256.Sum256(buf[:n]); got != want {
			t.Errorf("%d bytes: got %x, want %x", n, got, want)
		}
		h := sha256.New()
		h.Write([]byte("prefix"))
		Write(h, buf[:n])
		want := sha256.Sum256(append([]byte("prefix"), buf[:n]...))
		if got := h.Sum(nil); string(got) != string(want[:]) {
			t.Errorf("Write of %d bytes after a prefix: got %x, want %x", n, got, want)
		}
	}
}
