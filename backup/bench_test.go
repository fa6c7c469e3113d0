package backup

// Benchmarks of the in-process half of a push, without btrfs: a synthetic
// send stream carrying real file content is cut into parts, sealed
// (zstd -3 + age) in parallel and stored on a local-directory remote.
// Run with: go test -run '^$' -bench . -benchtime 2x ./backup/
// The whole-system figures (against the shell pipeline and the floor) come
// from scripts/bench.sh.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/benchdata"
	"golang.org/x/sync/errgroup"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/remote"
)

const benchStreamSize = 256 << 20

var (
	benchStreamOnce sync.Once
	benchStream     []byte
)

// syntheticStream returns a valid btrfs send stream (v1) of about
// benchStreamSize bytes whose WRITE commands carry the files under
// /usr/local/go, so that compression ratio and speed are those of real data.
func syntheticStream(b *testing.B) []byte {
	content := benchdata.Files(b, "/usr/local/go", benchStreamSize)
	benchStreamOnce.Do(func() { benchStream = encodeStream(content) })
	return benchStream
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// encodeStream wraps content in SUBVOL, WRITE (48 KiB each, as btrfs sends
// them) and END commands.
func encodeStream(content []byte) []byte {
	out := make([]byte, 0, len(content)+len(content)/48+4096)
	out = append(out, "btrfs-stream\x00"...)
	out = binary.LittleEndian.AppendUint32(out, 1)
	attr := func(p []byte, typ uint16, val []byte) []byte {
		p = binary.LittleEndian.AppendUint16(p, typ)
		p = binary.LittleEndian.AppendUint16(p, uint16(len(val)))
		return append(p, val...)
	}
	cmd := func(typ uint16, payload []byte) {
		start := len(out)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(payload)))
		out = binary.LittleEndian.AppendUint16(out, typ)
		out = binary.LittleEndian.AppendUint32(out, 0)
		out = append(out, payload...)
		crc := ^crc32.Update(^uint32(0), castagnoli, out[start:])
		binary.LittleEndian.PutUint32(out[start+6:], crc)
	}
	uuid := bytes.Repeat([]byte{0xab}, 16)
	var ctransid [8]byte
	binary.LittleEndian.PutUint64(ctransid[:], 7)
	var p []byte
	p = attr(p, 15, []byte("bench")) // PATH
	p = attr(p, 1, uuid)             // UUID
	p = attr(p, 2, ctransid[:])      // CTRANSID
	cmd(1, p)                        // SUBVOL
	const chunk = 48 << 10
	for off := 0; off < len(content); off += chunk {
		var o [8]byte
		binary.LittleEndian.PutUint64(o[:], uint64(off))
		p = attr(p[:0], 15, []byte("bench/file")) // PATH
		p = attr(p, 18, o[:])                     // FILE_OFFSET
		p = attr(p, 19, content[off:min(off+chunk, len(content))])
		cmd(15, p) // WRITE
	}
	cmd(21, nil) // END
	return out
}

func benchSealer(b *testing.B) *crypto.Sealer {
	_, s := cryptotest.Keys(b)
	return s
}

// BenchmarkSealParts seals the stream's parts with a number of workers, as
// the pipeline does, hashing plain and sealed bytes, without storing them:
// the CPU-bound core of a push. MB/s is of plaintext.
func BenchmarkSealParts(b *testing.B) {
	stream := syntheticStream(b)
	s := benchSealer(b)
	for _, partMiB := range []int{16, 64} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("part=%dMiB/workers=%d", partMiB, workers), func(b *testing.B) {
				part := partMiB << 20
				var stored int64
				var mu sync.Mutex
				b.SetBytes(int64(len(stream)))
				for b.Loop() {
					stored = 0
					var g errgroup.Group
					g.SetLimit(workers)
					for off := 0; off < len(stream); off += part {
						plain := stream[off:min(off+part, len(stream))]
						g.Go(func() error {
							sealed, err := s.SealBytes(plain)
							if err != nil {
								return err
							}
							sha256.Sum256(plain)
							sha256.Sum256(sealed)
							mu.Lock()
							stored += int64(len(sealed))
							mu.Unlock()
							return nil
						})
					}
					if err := g.Wait(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(stream))/float64(stored), "ratio")
			})
		}
	}
}

// BenchmarkCutSealStore is the pipeline after btrfs send, the Pusher's own
// cutAndStore: validate, hash, cut into parts, then seal and store each on a
// local-directory remote (which writes, reads back and hashes it) with a
// bounded number of workers, journaling each part. MB/s is of the send
// stream.
func BenchmarkCutSealStore(b *testing.B) {
	stream := syntheticStream(b)
	s := benchSealer(b)
	ctx := context.Background()
	for _, partMiB := range []int{16, 32, 64} {
		for _, workers := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("part=%dMiB/workers=%d", partMiB, workers), func(b *testing.B) {
				st, err := remote.Open(ctx, b.TempDir(), remote.Options{})
				if err != nil {
					b.Fatal(err)
				}
				p := &Pusher{Host: "bench", Store: st, Sealer: s, State: State{Dir: b.TempDir()},
					PartSize: int64(partMiB) << 20, Workers: workers}
				sv := Subvolume{Name: "data"}
				b.SetBytes(int64(len(stream)))
				for b.Loop() {
					j := newJournal(p.State, p.Host, sv.Name, "data.20260101T000000Z", "", false, p.PartSize, time.Now())
					if _, _, err := p.cutAndStore(ctx, bytes.NewReader(stream), sv, j); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
