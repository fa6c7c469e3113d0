package restore

import (
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// badStream writes a send stream by hand: a subvolume, one command of type
// typ with attrs, END.
func badStream(version uint32, typ uint16, attrs ...[]byte) []byte {
	s := append([]byte("btrfs-stream\x00"), binary.LittleEndian.AppendUint32(nil, version)...)
	tlv := func(t uint16, v []byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, t)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
		return append(b, v...)
	}
	cmd := func(t uint16, payload []byte) {
		c := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
		c = binary.LittleEndian.AppendUint16(c, t)
		c = append(c, 0, 0, 0, 0)
		c = append(c, payload...)
		binary.LittleEndian.PutUint32(c[6:], ^crc32.Update(^uint32(0), crc32.MakeTable(crc32.Castagnoli), c))
		s = append(s, c...)
	}
	var sub []byte
	sub = append(sub, tlv(15, []byte("data.20260101T000000Z"))...)
	sub = append(sub, tlv(1, []byte("0123456789abcdef"))...)
	sub = append(sub, tlv(2, binary.LittleEndian.AppendUint64(nil, 1))...)
	cmd(1, sub)
	cmd(3, tlv(15, []byte("f")))
	var payload []byte
	for _, a := range attrs {
		payload = append(payload, a...)
	}
	cmd(typ, payload)
	cmd(21, nil)
	return s
}

// A backup whose stream the applier cannot apply (an unknown command, an
// unknown compression) fails with one line naming it, and leaves nothing
// in the target.
func TestNativeRestoreBadStreams(t *testing.T) {
	ctx := context.Background()
	st, err := remote.Open(ctx, filepath.Join(t.TempDir(), "remote"), remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := newBenchKeys(t)
	u64 := func(t uint16, v uint64) []byte {
		b := binary.LittleEndian.AppendUint16(nil, t)
		b = binary.LittleEndian.AppendUint16(b, 8)
		return binary.LittleEndian.AppendUint64(b, v)
	}
	path := append(binary.LittleEndian.AppendUint16(nil, 15), 1, 0, 'f')
	compression9 := append(binary.LittleEndian.AppendUint16(nil, 30), 4, 0, 9, 0, 0, 0)
	for _, tc := range []struct {
		name   string
		stream []byte
		want   string
	}{
		{"unknown command", badStream(3, 99, path), "unknown send command 99"},
		{"unknown encoding", badStream(2, 25, path, u64(18, 0), u64(27, 4), u64(28, 4096), u64(29, 0), compression9,
			append(binary.LittleEndian.AppendUint16(nil, 19), "data"...)), "unknown compression 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := storeBenchStream(t, st, k.sealer, tc.stream, 1<<20)
			rec.UUID = "30313233-3435-3637-3839-616263646566"
			r := &Restorer{Catalog: Catalog{Store: st, Identities: []age.Identity{k.id}}}
			dir := t.TempDir()
			_, err := r.restoreNative(ctx, []*manifest.Record{rec}, dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("a failed restore left %v", left)
			}
		})
	}
}
