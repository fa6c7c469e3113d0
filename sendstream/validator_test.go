package sendstream_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/sendstream"
)

// Small real streams, committed so the validator is tested everywhere, also
// without root; regenerate with: go test ./btrfs -run Fixtures -update-streams
var fixtures = []struct{ file, name string }{
	{"small-v1-full.stream", "docs.1"},
	{"small-v2-incremental.stream", "docs.2"},
}

const fixtureDir = "../testdata/streams"

func readFixture(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidatorFixtures(t *testing.T) {
	full, err := validate(readFixture(t, fixtures[0].file))
	if err != nil {
		t.Fatal(err)
	}
	incr, err := validate(readFixture(t, fixtures[1].file))
	if err != nil {
		t.Fatal(err)
	}
	if full.Name != fixtures[0].name || full.Version != 1 || full.ParentUUID != "" {
		t.Errorf("full stream: %+v, want %s, version 1, no parent", *full, fixtures[0].name)
	}
	if incr.Name != fixtures[1].name || incr.Version != 2 || incr.ParentUUID != full.UUID || incr.ParentCTransID != full.CTransID {
		t.Errorf("incremental stream: %+v, want %s, version 2, parent %s at %d", *incr, fixtures[1].name, full.UUID, full.CTransID)
	}
}

// TestValidatorErrors checks that each kind of bad input gets an error that
// says what is wrong and where.
func TestValidatorErrors(t *testing.T) {
	good := readFixture(t, fixtures[0].file)
	cmd2 := 17 + 10 + int(binary.LittleEndian.Uint32(good[17:])) // where command 2 starts
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"empty", nil, "send stream: empty"},
		{"not a stream", []byte("this is a tar file, not a btrfs stream"), "bad magic"},
		{"future version", withBytes(good, 13, 9, 0, 0, 0), "unsupported version 9"},
		{"header only", good[:17], "no END command after 0 commands"},
		{"cut in a command header", good[:cmd2+3], fmt.Sprintf("truncated in command 2 at byte %d", cmd2)},
		{"cut in a command payload", good[:cmd2+12], fmt.Sprintf("truncated in command 2 at byte %d", cmd2)},
		{"END missing", good[:len(good)-10], "no END command"},
		{"flipped byte", withBytes(good, cmd2+11, good[cmd2+11]^0x40), fmt.Sprintf("crc32c mismatch in command 2 at byte %d", cmd2)},
		{"data after END", append(bytes.Clone(good), 0), fmt.Sprintf("data after the END command at byte %d", len(good))},
		{"two streams", append(bytes.Clone(good), good...), "data after the END command"},
		{"huge length", withBytes(good, 17, 0xff, 0xff, 0xff, 0xff), "command 1 at byte 17 claims 4294967295 bytes"},
		{"first command not a subvolume", withoutCommand1(good, cmd2), "command 1 at byte 17 is type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validate(tt.stream)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestValidatorErrorIsSticky: once a stream is known bad, no later bytes can
// make it good.
func TestValidatorErrorIsSticky(t *testing.T) {
	good := readFixture(t, fixtures[0].file)
	v := sendstream.NewValidator()
	if _, err := v.Write([]byte("garbage garbage garbage")); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := v.Write(good); err == nil {
		t.Error("a good stream after garbage was accepted")
	}
	if _, err := v.Finish(); err == nil {
		t.Error("Finish succeeded after an error")
	}
}

// withoutCommand1 drops the SUBVOL command, which ends at cmd2.
func withoutCommand1(stream []byte, cmd2 int) []byte {
	return append(bytes.Clone(stream[:17]), stream[cmd2:]...)
}

func withBytes(b []byte, off int, set ...byte) []byte {
	b = bytes.Clone(b)
	copy(b[off:], set)
	return b
}

// FuzzValidator: no input panics, and the verdict does not depend on how the
// bytes are split across Writes.
func FuzzValidator(f *testing.F) {
	for _, fx := range fixtures {
		s := readFixture(f, fx.file)
		f.Add(s, uint16(0))
		f.Add(s, uint16(100))
		f.Add(s[:len(s)/2], uint16(20))
	}
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		whole, wholeErr := validate(stream)
		v := sendstream.NewValidator()
		at := min(int(cut), len(stream))
		_, err := v.Write(stream[:at])
		if err == nil {
			_, err = v.Write(stream[at:])
		}
		split, splitErr := v.Finish()
		if (wholeErr == nil) != (splitErr == nil) || err != nil && wholeErr == nil {
			t.Fatalf("whole: %v; split at %d: %v", wholeErr, at, splitErr)
		}
		if whole != nil && *whole != *split {
			t.Fatalf("whole: %+v; split at %d: %+v", *whole, at, *split)
		}
	})
}

// validate runs a whole stream through a Validator in one Write.
func validate(stream []byte) (*sendstream.StreamInfo, error) {
	v := sendstream.NewValidator()
	if _, err := v.Write(stream); err != nil {
		return nil, err
	}
	return v.Finish()
}
