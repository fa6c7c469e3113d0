package index_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/zeebo/xxh3"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/sendstream"
)

// wantDigest is the content digest as formats.md defines it for a file
// sent as plain bytes, computed from the file's bytes: the XXH3-128 of the
// items 'b', block length (u64 LE), XXH3-128 of the block, one per 1 MiB
// block; its first 12 bytes in unpadded base64url.
func wantDigest(b []byte) string {
	var outer []byte
	for i := 0; i < len(b); i += 1 << 20 {
		blk := b[i:min(i+1<<20, len(b))]
		sum := xxh3.Hash128(blk).Bytes()
		outer = append(outer, 'b')
		outer = binary.LittleEndian.AppendUint64(outer, uint64(len(blk)))
		outer = append(outer, sum[:]...)
	}
	sum := xxh3.Hash128(outer).Bytes()
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// checkDigest: a digest the index knows is the digest of the source file,
// for a file the stream sent as plain bytes (one with compressed extents
// has a digest of those, which diff tests check), and a file without
// extents has none.
func checkDigest(t *testing.T, step int, snap, p string, n *index.Node, streams memStreams) {
	t.Helper()
	if len(n.Extents) == 0 && n.Digest != "" {
		t.Errorf("step %d: %s has no extents but a digest", step, p)
	}
	if n.Digest == "" || anyEncoded(t, n, streams) {
		return
	}
	b, err := os.ReadFile(filepath.Join(snap, p))
	if err != nil {
		t.Fatal(err)
	}
	if want := wantDigest(b); n.Digest != want {
		t.Errorf("step %d: %s has digest %s in the index, %s in the snapshot", step, p, n.Digest, want)
	}
}

// anyEncoded says whether one of n's extents is an ENCODED_WRITE's.
func anyEncoded(t *testing.T, n *index.Node, streams memStreams) bool {
	for _, e := range n.Extents {
		if encodedAt(t, streams[e.Snap])[e.Pos] {
			return true
		}
	}
	return false
}

var encodedCache sync.Map // of a stream's first byte: map[int64]bool

// encodedAt returns the stream offsets of a stream's ENCODED_WRITEs.
func encodedAt(t *testing.T, stream []byte) map[int64]bool {
	if at, ok := encodedCache.Load(unsafe.SliceData(stream)); ok {
		return at.(map[int64]bool)
	}
	rd := sendstream.NewReader(bytes.NewReader(stream))
	at := map[int64]bool{}
	for {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			encodedCache.Store(unsafe.SliceData(stream), at)
			return at
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Type == sendstream.CmdEncodedWrite {
			at[c.Offset] = true
		}
	}
}

// TestDiffSeesThroughRewrites: files rewritten with the same bytes (in
// place, by an atomic save, sparse ones, compressed ones) are not
// changed in diff, a file rewritten with one byte different is, and the
// digests the index knows are those of the files' bytes.
func TestDiffSeesThroughRewrites(t *testing.T) {
	btrfstest.NoLeftovers(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	fsDir := btrfstest.NewFS(t, 512<<20, "compress=zstd")
	rng := rand.New(rand.NewPCG(seed, 1))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	texty := bytes.Repeat([]byte("all work and no play makes jack a dull boy\n"), 3<<20/43)
	sparse := func(path string) {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.Write(texty[:8192])
		f.WriteAt(texty[:5000], 3<<20)
		f.Truncate(6 << 20)
	}
	files := map[string][]byte{"same": append(random(1<<20+5000), texty...), "saved": random(100 << 10),
		"edited": random(200 << 10), "small": []byte("hi\n"), "text": texty}
	for _, proto2 := range []bool{false, true} {
		name := fmt.Sprintf("v%d", map[bool]int{false: 1, true: 2}[proto2])
		t.Run(name, func(t *testing.T) {
			live := btrfstest.Subvolume(t, fsDir, name)
			at := func(f string) string { return filepath.Join(live, f) }
			for f, b := range files {
				os.WriteFile(at(f), b, 0o644)
			}
			sparse(at("sparse"))
			os.WriteFile(at("empty"), nil, 0o644)
			streams := memStreams{}
			var ixs []*index.Index
			prev := ""
			for step := range 2 {
				if step == 1 {
					for _, f := range []string{"same", "small", "text"} {
						os.WriteFile(at(f), files[f], 0o644) // O_TRUNC, then the same bytes
					}
					os.WriteFile(at(".saved.tmp"), files["saved"], 0o644)
					os.Rename(at(".saved.tmp"), at("saved"))
					os.Truncate(at("sparse"), 0)
					sparse(at("sparse"))
					edited := bytes.Clone(files["edited"])
					edited[len(edited)/2]++
					os.WriteFile(at("edited"), edited, 0o644)
					os.Chmod(at("empty"), 0o600)
				}
				snap := filepath.Join(fsDir, fmt.Sprintf("%s.%d", name, step))
				if err := btrfs.Snapshot(context.Background(), live, snap); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{Parent: prev, Proto2Compressed: proto2}, &buf); err != nil {
					t.Fatal(err)
				}
				var parent *index.Tree
				if prev != "" {
					parent = treeOf(t, ixs)
				}
				ix, err := index.Build(bytes.NewReader(buf.Bytes()), name, filepath.Base(snap), parent)
				if err != nil {
					t.Fatal(err)
				}
				ixs = append(ixs, roundTrip(t, ix))
				streams[filepath.Base(snap)] = buf.Bytes()
				if encoded := countEncoded(t, buf.Bytes()); proto2 != (encoded > 0) {
					t.Fatalf("step %d: %d compressed extents sent, want some exactly with protocol 2", step, encoded)
				}
				tree := treeOf(t, ixs)
				compareTree(t, step, snap, tree, streams)
				for _, f := range []string{"same", "saved", "edited", "small", "text", "sparse"} {
					if n, err := tree.Lookup("/" + f); err != nil || n.Digest == "" {
						t.Errorf("step %d: %s, sent whole, has no digest (%v)", step, f, err)
					}
				}
				if prev != "" {
					compareDiff(t, step, prev, snap, treeOf(t, ixs[:1]), tree)
				}
				prev = snap
			}
		})
	}
}

// countEncoded counts a stream's ENCODED_WRITE commands.
func countEncoded(t *testing.T, stream []byte) int {
	rd := sendstream.NewReader(bytes.NewReader(stream))
	n := 0
	for {
		c, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Type == sendstream.CmdEncodedWrite {
			n++
		}
	}
}
