package sendstream_test

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/sendstream"
)

// TestOnCommandSeesWholeCommands feeds real streams in random cuts (so
// that commands straddle Writes) and checks that OnCommand sees every
// command once, in order, whole: its offset and type as the stream's own
// framing says, its data the bytes inside that command.
func TestOnCommandSeesWholeCommands(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	for _, f := range fixtures {
		stream := readFixture(t, f.file)
		want := framing(stream)
		for _, maxCut := range []int{1, 7, 300, 1 << 20} {
			type seen struct {
				off  int64
				typ  sendstream.Cmd
				data []byte
			}
			var got []seen
			v := sendstream.NewValidator()
			v.OnCommand(func(c *sendstream.Command) {
				got = append(got, seen{c.Offset, c.Type, bytes.Clone(c.Data)})
			})
			for rest := stream; len(rest) > 0; {
				n := min(len(rest), 1+rng.Intn(maxCut))
				chunk := bytes.Clone(rest[:n]) // a buffer the validator may not keep
				if _, err := v.Write(chunk); err != nil {
					t.Fatalf("%s cut at most %d: %v", f.file, maxCut, err)
				}
				clear(chunk)
				rest = rest[n:]
			}
			if len(got) != len(want) {
				t.Fatalf("%s cut at most %d: %d commands seen, the stream has %d", f.file, maxCut, len(got), len(want))
			}
			data := 0
			for i, c := range got {
				data += len(c.data)
				w := want[i]
				if c.off != w.off || uint16(c.typ) != w.typ {
					t.Fatalf("%s cut at most %d: command %d is %s at %d, want type %d at %d", f.file, maxCut, i, c.typ, c.off, w.typ, w.off)
				}
				if !bytes.Contains(stream[w.off:w.end], c.data) {
					t.Fatalf("%s cut at most %d: command %d's data is not the bytes of that command", f.file, maxCut, i)
				}
			}
			if data == 0 {
				t.Fatalf("%s: no command carried data: the test proves nothing about Data", f.file)
			}
		}
	}
}

type frame struct {
	off, end int64
	typ      uint16
}

// framing lists a stream's commands from their headers alone (le32
// length, le16 type, le32 crc), after the 17-byte stream header.
func framing(stream []byte) []frame {
	var out []frame
	for off := 17; off+10 <= len(stream); {
		end := off + 10 + int(binary.LittleEndian.Uint32(stream[off:]))
		out = append(out, frame{int64(off), int64(end), binary.LittleEndian.Uint16(stream[off+4:])})
		off = end
	}
	return out
}
