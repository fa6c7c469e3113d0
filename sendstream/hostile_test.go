package sendstream_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/sendstream"
)

// snapshotOf starts an incremental stream on top of the builder's test
// subvolume.
func (b *builder) snapshotOf(name string) *builder {
	return b.cmd(2, str(15, name), attr{1, []byte("fedcba9876543210")}, u64(2, 8), attr{20, testUUID}, u64(21, 7))
}

// jail is a directory holding the target, a work directory and a canary
// file that no stream may touch.
type jail struct {
	t                   testing.TB
	dir, target, canary string
}

func newJail(t testing.TB) *jail {
	dir := t.TempDir()
	j := &jail{t: t, dir: dir, target: filepath.Join(dir, "target"), canary: filepath.Join(dir, "canary")}
	for _, d := range []string{j.target, filepath.Join(dir, "work")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(j.canary, []byte("canary"), 0o644); err != nil {
		t.Fatal(err)
	}
	return j
}

// apply applies streams in order and returns the first error.
func (j *jail) apply(streams ...[]byte) error {
	a, err := sendstream.NewApplier(j.target, sendstream.Options{WorkDir: filepath.Join(j.dir, "work")})
	if err != nil {
		j.t.Fatal(err)
	}
	defer a.Close()
	for _, s := range streams {
		if _, err := a.Apply(context.Background(), bytes.NewReader(s)); err != nil {
			return err
		}
	}
	return nil
}

// intact fails unless the jail holds exactly what it was made with, the
// canary unchanged and the work directory empty.
func (j *jail) intact() {
	j.t.Helper()
	var names []string
	filepath.Walk(j.dir, func(p string, _ os.FileInfo, err error) error {
		if rel, _ := filepath.Rel(j.dir, p); !strings.HasPrefix(rel, "target") {
			names = append(names, rel)
		}
		return nil
	})
	if want := []string{".", "canary", "work"}; !slices.Equal(names, want) {
		j.t.Fatalf("outside the target: %q, want %q", names, want)
	}
	if b, err := os.ReadFile(j.canary); err != nil || string(b) != "canary" {
		j.t.Fatalf("canary: %q, %v", b, err)
	}
}

// TestHostileStreams: streams that try to reach outside the target, write
// into something other than a regular file, or claim huge sizes are refused
// with a clear error, and nothing outside the target changes.
func TestHostileStreams(t *testing.T) {
	t.Parallel()
	huge := uint64(1) << 62
	tests := []struct {
		name    string
		streams func(j *jail) [][]byte
		want    string
	}{
		{"absolute path", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, j.canary)).end()}
		}, "absolute path"},
		{"dot-dot", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "../evil")).end()}
		}, `".." component`},
		{"rename out", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "f")).cmd(9, str(15, "f"), str(16, "../../f")).end()}
		}, `".." component`},
		{"symlink then write", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(8, str(15, "l"), str(17, j.canary)).
				cmd(15, str(15, "l"), u64(18, 0), str(19, "pwned")).end()}
		}, "made as a symlink"},
		{"symlink of an earlier stream, then write", func(j *jail) [][]byte {
			return [][]byte{
				newBuilder(1).subvol("s").cmd(8, str(15, "l"), str(17, j.canary)).end(),
				newBuilder(1).snapshotOf("s2").cmd(15, str(15, "l"), u64(18, 0), str(19, "pwned")).end(),
			}
		}, "symlink"},
		{"through a symlink of an earlier stream", func(j *jail) [][]byte {
			return [][]byte{
				newBuilder(1).subvol("s").cmd(8, str(15, "l"), str(17, j.dir)).end(),
				newBuilder(1).snapshotOf("s2").cmd(3, str(15, "l/evil")).end(),
			}
		}, "never followed"},
		{"truncate through a symlink of an earlier stream", func(j *jail) [][]byte {
			return [][]byte{
				newBuilder(1).subvol("s").cmd(8, str(15, "l"), str(17, j.canary)).end(),
				newBuilder(1).snapshotOf("s2").cmd(17, str(15, "l"), u64(4, 0)).end(),
			}
		}, "symlink"},
		{"write to a device node", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(5, str(15, "null"), u64(5, 0o020666), u64(8, 0x103)).
				cmd(15, str(15, "null"), u64(18, 0), str(19, "x")).end()}
		}, "character device"},
		{"device node of an earlier stream", func(j *jail) [][]byte {
			return [][]byte{
				newBuilder(1).subvol("s").cmd(6, str(15, "p")).end(),
				newBuilder(1).snapshotOf("s2").cmd(15, str(15, "p"), u64(18, 0), str(19, "x")).end(),
			}
		}, "is a fifo, not a regular file"},
		{"clone from outside", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "f")).
				cmd(16, str(15, "f"), u64(18, 0), u64(24, 6), attr{20, testUUID}, u64(21, 7), str(22, "../canary"), u64(23, 0)).end()}
		}, "clone source"},
		{"clone from another subvolume", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "f")).
				cmd(16, str(15, "f"), u64(18, 0), u64(24, 6), attr{20, []byte("XXXXXXXXXXXXXXXX")}, u64(21, 7), str(22, "f"), u64(23, 0)).end()}
		}, "neither this stream's nor its parent's"},
		{"huge clone", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "f")).
				cmd(16, str(15, "f"), u64(18, huge), u64(24, huge), attr{20, testUUID}, u64(21, 7), str(22, "f"), u64(23, 0)).end()}
		}, "beyond any file"},
		{"huge write offset", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).subvol("s").cmd(3, str(15, "f")).cmd(15, str(15, "f"), u64(18, 1<<63), str(19, "x")).end()}
		}, "beyond any file"},
		{"huge encoded write", func(j *jail) [][]byte {
			return [][]byte{newBuilder(2).subvol("s").cmd(3, str(15, "f")).
				cmd(25, str(15, "f"), u64(18, 0), u64(27, 1<<40), u64(28, 1<<40), u64(29, 0), attr{30, le32(2)}, str(19, "x")).end()}
		}, "more than the"},
		{"huge command", func(j *jail) [][]byte {
			s := newBuilder(1).subvol("s").end()
			s = append(s[:len(s)-10], 0xff, 0xff, 0xff, 0x7f, 21, 0, 0, 0, 0, 0)
			return [][]byte{s}
		}, "claims"},
		{"unknown encoding", func(j *jail) [][]byte {
			return [][]byte{newBuilder(2).subvol("s").cmd(3, str(15, "f")).
				cmd(25, str(15, "f"), u64(18, 0), u64(27, 4), u64(28, 4096), u64(29, 0), attr{30, le32(9)}, str(19, "x")).end()}
		}, "unknown compression 9"},
		{"unknown command", func(j *jail) [][]byte {
			return [][]byte{newBuilder(3).subvol("s").cmd(200, str(15, "f")).end()}
		}, "unknown send command 200"},
		{"incremental without its parent", func(j *jail) [][]byte {
			return [][]byte{newBuilder(1).snapshotOf("s2").end()}
		}, "without its parent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j := newJail(t)
			err := j.apply(tt.streams(j)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error is more than one line: %q", err)
			}
			j.intact()
		})
	}
}

// FuzzApply: whatever the bytes, the applier never writes outside its
// target (stream bytes in, a scratch directory out).
func FuzzApply(f *testing.F) {
	for _, fx := range fixtures {
		f.Add(readFixture(f, fx.file))
	}
	f.Add(newBuilder(2).subvol("s").cmd(3, str(15, "f")).cmd(15, str(15, "f"), u64(18, 0), str(19, "data")).
		cmd(8, str(15, "l"), str(17, "..")).cmd(10, str(15, "h"), str(17, "f")).cmd(9, str(15, "h"), str(16, "d")).end())
	f.Fuzz(func(t *testing.T, stream []byte) {
		if len(stream) > 17 {
			binary.LittleEndian.PutUint32(stream[13:], binary.LittleEndian.Uint32(stream[13:])%3+1)
		}
		j := newJail(t)
		j.apply(stream)
		j.intact()
	})
}
