package sendstream_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/sendstream"
)

// TestReaderFixtures: the Reader yields every command of a real stream in
// order, with offsets that tile the stream, END last, then io.EOF, and
// describes the stream as the Validator does.
func TestReaderFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			stream := readFixture(t, fx.file)
			rd := sendstream.NewReader(bytes.NewReader(stream))
			var cmds []sendstream.Cmd
			last := int64(0)
			for {
				c, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if c.Offset <= last {
					t.Fatalf("command %d (%s) at byte %d, after one at %d", len(cmds), c.Type, c.Offset, last)
				}
				last = c.Offset
				cmds = append(cmds, c.Type)
			}
			if len(cmds) < 3 || (cmds[0] != sendstream.CmdSubvol && cmds[0] != sendstream.CmdSnapshot) || cmds[len(cmds)-1] != sendstream.CmdEnd {
				t.Fatalf("commands %v: want a subvolume first and END last", cmds)
			}
			got, err := rd.Finish()
			if err != nil {
				t.Fatal(err)
			}
			want, err := validate(stream)
			if err != nil {
				t.Fatal(err)
			}
			if *got != *want || got.Name != fx.name || got.Commands != int64(len(cmds)) {
				t.Errorf("reader: %+v; validator: %+v; %d commands", *got, *want, len(cmds))
			}
		})
	}
}

// TestReaderCut: a stream cut anywhere is an error that says where, never
// a clean end.
func TestReaderCut(t *testing.T) {
	stream := readFixture(t, fixtures[0].file)
	for _, cut := range []int{0, 10, 17, 30, len(stream) / 2, len(stream) - 1} {
		rd := sendstream.NewReader(bytes.NewReader(stream[:cut]))
		var err error
		for err == nil {
			_, err = rd.Next()
		}
		if errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "send stream") {
			t.Errorf("cut at %d: %v, want an error about the stream", cut, err)
		}
	}
}

func TestFormatUUID(t *testing.T) {
	b := []byte{0x05, 0xcc, 0x9c, 0xaf, 0x06, 0x9b, 0xe5, 0x4d, 0x85, 0x27, 0x72, 0x43, 0x55, 0x8e, 0xe4, 0x51}
	if got, want := sendstream.FormatUUID(b), "05cc9caf-069b-e54d-8527-7243558ee451"; got != want {
		t.Errorf("FormatUUID = %q, want %q", got, want)
	}
	if got := sendstream.FormatUUID(make([]byte, 16)); got != "" {
		t.Errorf("zero UUID formatted as %q, want \"\"", got)
	}
}
