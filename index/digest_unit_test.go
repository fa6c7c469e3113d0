package index_test

import (
	"bytes"
	"testing"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/sendstream"
)

// op is one data command for digestOf: a plain write (enc == nil), an
// encoded write of payload data with parameters enc, or a truncate to trunc (isTr).
type op struct {
	off   uint64
	data  []byte
	enc   *sendstream.Command // its Unencoded*, Compression, Encryption
	trunc int64
	isTr  bool
}

func write(off uint64, data []byte) op { return op{off: off, data: data} }
func truncate(size int64) op           { return op{trunc: size, isTr: true} }
func encoded(off uint64, payload []byte, fileLen, length, at uint64, compression uint32) op {
	return op{off: off, data: payload, enc: &sendstream.Command{UnencodedFileLen: fileLen,
		UnencodedLen: length, UnencodedOffset: at, Compression: compression}}
}

// digestOf builds the index of a stream that makes one file "f" with ops.
func digestOf(t *testing.T, ops ...op) string {
	t.Helper()
	b := index.NewBuilder("s", "s.1", nil)
	defer b.Close()
	cmds := []*sendstream.Command{{Type: sendstream.CmdSubvol, Path: "s.1"}, {Type: sendstream.CmdMkfile, Path: "f", Ino: 257}}
	for _, o := range ops {
		c := &sendstream.Command{Type: sendstream.CmdWrite, Path: "f", FileOffset: o.off, Data: o.data}
		switch {
		case o.enc != nil:
			e := *o.enc
			e.Type, e.Path, e.FileOffset, e.Data = sendstream.CmdEncodedWrite, "f", o.off, o.data
			c = &e
		case o.isTr:
			c = &sendstream.Command{Type: sendstream.CmdTruncate, Path: "f", Size: uint64(o.trunc)}
		}
		cmds = append(cmds, c)
	}
	for i, c := range append(cmds, &sendstream.Command{Type: sendstream.CmdEnd}) {
		c.Offset = int64(100 * i)
		if err := b.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	ix, err := b.Index(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ix.Nodes {
		if n.Kind == index.KindFile {
			return n.Digest
		}
	}
	t.Fatal("no file in the index")
	return ""
}

// TestDigest: the digest depends on a plainly sent file's bytes, not on
// how the stream cut them or whether zeros were a hole; an encoded extent
// counts by its payload and parameters, so any change to either is
// another digest; a file without extents has none.
func TestDigest(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), (3<<20)/16+100) // 3 MiB + 1600
	other := bytes.Clone(data)
	other[2<<20+7]++
	zeros := make([]byte, 5000)
	withZeros := append(append([]byte("head"), zeros...), "tail"...)
	ref := wantDigest(data)
	enc := encoded(0, []byte("zstd frame"), 4096, 8192, 0, 2)
	encDigest := digestOf(t, enc)
	for _, c := range []struct {
		name string
		ops  []op
		want string
		same bool // want the same digest (else another one)
	}{
		{"one write", []op{write(0, data)}, ref, true},
		{"writes cut elsewhere", []op{write(0, data[:48<<10]), write(48<<10, data[48<<10:1<<20+3]), write(1<<20+3, data[1<<20+3:])}, ref, true},
		{"one byte other", []op{write(0, other)}, ref, false},
		{"a hole is zeros", []op{write(0, []byte("head")), write(5004, []byte("tail"))}, wantDigest(withZeros), true},
		{"a hole of whole blocks", []op{write(3<<20+1, []byte("tail"))}, wantDigest(append(make([]byte, 3<<20+1), "tail"...)), true},
		{"a trailing hole is zeros", []op{write(0, []byte("head")), truncate(5004)}, wantDigest(withZeros[:5004]), true},
		{"same encoded extent", []op{enc}, encDigest, true},
		{"other payload", []op{encoded(0, []byte("zstd frame!"), 4096, 8192, 0, 2)}, encDigest, false},
		{"other compression", []op{encoded(0, []byte("zstd frame"), 4096, 8192, 0, 3)}, encDigest, false},
		{"other slice", []op{encoded(0, []byte("zstd frame"), 4096, 8192, 4096, 2)}, encDigest, false},
		{"after plain bytes", []op{write(0, []byte("x")), encoded(1, []byte("zstd frame"), 4096, 8192, 0, 2)}, encDigest, false},
		{"plain bytes after it", []op{enc, write(4096, data)}, digestOf(t, enc, write(4096, other)), false},
		{"empty", []op{truncate(0)}, "", true},
		{"all hole", []op{truncate(1 << 20)}, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := digestOf(t, c.ops...)
			if (got == c.want) != c.same {
				t.Errorf("digest %q, want %s %q", got, map[bool]string{true: "", false: "other than"}[c.same], c.want)
			}
			if c.want != "" && got == "" {
				t.Errorf("no digest")
			}
		})
	}
}
