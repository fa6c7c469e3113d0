package crypto

import (
	"bytes"
	"io"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/internal/benchdata"
)

const benchPart = 64 << 20

// realisticPart returns 64 MiB of real files (the Go source tree, as a send
// stream of a source checkout would carry), so the compression ratio and
// speed are those of real data, not of zeros or noise.
func realisticPart(b *testing.B) []byte {
	return benchdata.Files(b, "/usr/local/go/src", benchPart)
}

func BenchmarkSeal(b *testing.B) {
	plain := realisticPart(b)
	s, _ := sealer(b, 3)
	var stored int
	b.SetBytes(int64(len(plain)))
	b.ResetTimer()
	for b.Loop() {
		var n countWriter
		if err := s.Seal(&n, plain); err != nil {
			b.Fatal(err)
		}
		stored = int(n)
	}
	b.ReportMetric(float64(len(plain))/float64(stored), "ratio")
}

func BenchmarkOpen(b *testing.B) {
	plain := realisticPart(b)
	s, id := sealer(b, 3)
	sealed, err := s.SealBytes(plain)
	if err != nil {
		b.Fatal(err)
	}
	o := NewOpener([]age.Identity{id})
	b.SetBytes(int64(len(plain)))
	b.ResetTimer()
	for b.Loop() {
		r, err := o.Open(bytes.NewReader(sealed))
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(plain)) {
			b.Fatalf("opened %d bytes, %v", n, err)
		}
		r.Close()
	}
}

// countWriter counts bytes written to it.
type countWriter int

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
