package restore

// Benchmarks of the in-process half of a restore, without btrfs: parts made
// of real files are opened (age + zstd) and checked (sizes, sha256 of stored
// and plain bytes), alone and through writeStream with its read-ahead from a
// local-directory remote. MB/s is of plaintext.
// Run with: go test -run '^$' -bench . -benchtime 2x ./restore/
// The whole-system figures come from scripts/bench.sh.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/benchdata"
	"github.com/argo-backup/argo-backup/internal/fallback"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

const benchDataSize = 256 << 20

// realData returns up to benchDataSize bytes of the files under
// /usr/local/go, so that compression ratio and speed are those of real data.
func realData(b *testing.B) []byte {
	return benchdata.Files(b, "/usr/local/go", benchDataSize)
}

type benchKeys struct {
	sealer *crypto.Sealer
	id     age.Identity
}

func newBenchKeys(b testing.TB) benchKeys {
	id, s := cryptotest.Keys(b)
	return benchKeys{s, id}
}

// BenchmarkOpenCheck opens one sealed part and checks it as fetchPart does:
// stored sha256 while reading, plaintext into a buffer, plaintext sha256.
func BenchmarkOpenCheck(b *testing.B) {
	data := realData(b)
	k := newBenchKeys(b)
	o := crypto.NewOpener([]age.Identity{k.id})
	for _, partMiB := range []int{16, 64} {
		b.Run(fmt.Sprintf("part=%dMiB", partMiB), func(b *testing.B) {
			plain := data[:partMiB<<20]
			sealed, err := k.sealer.SealBytes(plain)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(plain)))
			for b.Loop() {
				stored := sha256.New()
				r, err := o.Open(io.TeeReader(bytes.NewReader(sealed), stored))
				if err != nil {
					b.Fatal(err)
				}
				var out bytes.Buffer
				out.Grow(len(plain))
				if _, err := io.Copy(&out, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
				sha256.Sum256(out.Bytes())
				stored.Sum(nil)
				if out.Len() != len(plain) {
					b.Fatalf("opened %d bytes of %d", out.Len(), len(plain))
				}
			}
		})
	}
}

// BenchmarkWriteStream restores a stream of sealed parts from a
// local-directory remote to io.Discard with writeStream (download, open,
// check, in order, with read-ahead), for several part sizes and read-ahead
// depths.
func BenchmarkWriteStream(b *testing.B) {
	data := realData(b)
	k := newBenchKeys(b)
	ctx := context.Background()
	for _, partMiB := range []int{16, 64} {
		st, err := remote.Open(ctx, b.TempDir(), remote.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rec := storeBenchStream(b, st, k.sealer, data, partMiB<<20)
		c := &Catalog{Store: st, Identities: []age.Identity{k.id}}
		for _, ahead := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("part=%dMiB/ahead=%d", partMiB, ahead), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if err := c.writeStream(ctx, rec, io.Discard, ahead, fallback.Progress(nil)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// storeBenchStream seals data in parts onto st and returns their record.
func storeBenchStream(b testing.TB, st *remote.Store, s *crypto.Sealer, data []byte, partSize int) *manifest.Record {
	rec := &manifest.Record{Host: "bench", Subvolume: "data", Snapshot: "data.20260101T000000Z", PlainBytes: int64(len(data))}
	whole := sha256.Sum256(data)
	rec.StreamSHA256 = hex.EncodeToString(whole[:])
	for i := 0; i*partSize < len(data); i++ {
		plain := data[i*partSize : min((i+1)*partSize, len(data))]
		sealed, err := s.SealBytes(plain)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Put(context.Background(), remote.PartName(rec.Host, rec.Subvolume, rec.Snapshot, i), sealed); err != nil {
			b.Fatal(err)
		}
		ps, ss := sha256.Sum256(plain), sha256.Sum256(sealed)
		rec.Parts = append(rec.Parts, manifest.Part{
			Index: i, PlainBytes: int64(len(plain)), PlainSHA256: hex.EncodeToString(ps[:]),
			StoredBytes: int64(len(sealed)), StoredSHA256: hex.EncodeToString(ss[:]),
		})
	}
	return rec
}
