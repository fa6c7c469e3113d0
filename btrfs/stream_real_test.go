package btrfs_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
)

// realStreams sends a full and an incremental stream of the same subvolume,
// with protocol 1 and with protocol 2 compressed data, from a filesystem
// mounted with zstd compression so that version 2 carries encoded writes.
type realStream struct {
	name         string // e.g. "v1/full"
	subvol       string // the snapshot's name
	opts         btrfs.SendOptions
	stream       []byte
	snap, parent *btrfs.SubvolInfo // parent is nil for a full stream
	version      uint32
}

func realStreams(t *testing.T) []realStream {
	t.Helper()
	mnt, home := fsWithHome(t, "compress=zstd", map[string]string{
		"a.txt":         strings.Repeat("compressible ", 20000),
		"dir/b.txt":     "b",
		"dir/sub/c.bin": string(randomBytes(200_000)),
	})
	s1 := snapshot(t, home, filepath.Join(mnt, "home.1"))
	writeFiles(t, home, map[string]string{"a.txt": "changed", "new.txt": "new"})
	s2 := snapshot(t, home, filepath.Join(mnt, "home.2"))

	var streams []realStream
	for _, proto := range []struct {
		name    string
		opts    btrfs.SendOptions
		version uint32
	}{
		{"v1", btrfs.SendOptions{}, 1},
		{"v2-compressed", btrfs.SendOptions{Proto2Compressed: true}, 2},
	} {
		full := proto.opts
		incr := proto.opts
		incr.Parent = s1
		streams = append(streams,
			realStream{proto.name + "/full", "home.1", full, send(t, s1, full), info(t, s1), nil, proto.version},
			realStream{proto.name + "/incremental", "home.2", incr, send(t, s2, incr), info(t, s2), info(t, s1), proto.version})
	}
	if v1, v2 := len(streams[0].stream), len(streams[2].stream); v2 >= v1/2 {
		t.Fatalf("full stream v2 with compressed data is %d bytes, v1 %d: expected encoded writes to shrink it", v2, v1)
	}
	return streams
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return b
}

func TestValidatorOnRealStreams(t *testing.T) {
	for _, s := range realStreams(t) {
		t.Run(s.name, func(t *testing.T) {
			got, err := validate(s.stream)
			if err != nil {
				t.Fatal(err)
			}
			want := &btrfs.StreamInfo{
				Version:  s.version,
				Name:     s.subvol,
				UUID:     s.snap.UUID,
				CTransID: s.snap.CTransID,
				Bytes:    int64(len(s.stream)),
			}
			if s.parent != nil {
				want.ParentUUID = s.parent.UUID
				want.ParentCTransID = s.parent.CTransID
			}
			want.Commands = got.Commands // counted, not predicted
			if *got != *want {
				t.Errorf("stream info\n got %+v\nwant %+v", *got, *want)
			}
			if got.Commands < 3 {
				t.Errorf("%d commands: a real stream has a subvolume, some content and END", got.Commands)
			}
		})
	}
}

// TestValidatorChunked feeds real streams in random chunk sizes, as a pipe
// delivers them: the result must not depend on where the cuts fall.
func TestValidatorChunked(t *testing.T) {
	for _, s := range realStreams(t) {
		t.Run(s.name, func(t *testing.T) {
			whole, err := validate(s.stream)
			if err != nil {
				t.Fatal(err)
			}
			for _, maxChunk := range []int{1, 7, 100, 4096, 300_000} {
				v := btrfs.NewValidator()
				for p := s.stream; len(p) > 0; {
					n := min(1+rand.IntN(maxChunk), len(p))
					if _, err := v.Write(p[:n]); err != nil {
						t.Fatalf("chunks up to %d: %v", maxChunk, err)
					}
					p = p[n:]
				}
				got, err := v.Finish()
				if err != nil {
					t.Fatalf("chunks up to %d: %v", maxChunk, err)
				}
				if *got != *whole {
					t.Errorf("chunks up to %d: %+v, whole stream gave %+v", maxChunk, *got, *whole)
				}
			}
		})
	}
}

// TestValidatorCatchesDamage damages real streams the ways storage and
// transfer do, and expects an error naming the problem.
func TestValidatorCatchesDamage(t *testing.T) {
	for _, s := range realStreams(t) {
		t.Run(s.name, func(t *testing.T) {
			for i := 0; i < 50; i++ {
				off := 17 + rand.IntN(len(s.stream)-17)
				damaged := append([]byte(nil), s.stream...)
				damaged[off] ^= 1 << rand.IntN(8)
				if _, err := validate(damaged); err == nil {
					t.Fatalf("bit flip at byte %d of %d not detected", off, len(s.stream))
				}
			}
			for _, n := range []int{0, 5, 17, 18, 27, len(s.stream) / 2, len(s.stream) - 10, len(s.stream) - 1} {
				if _, err := validate(s.stream[:n]); err == nil {
					t.Errorf("stream cut to %d of %d bytes accepted", n, len(s.stream))
				}
			}
		})
	}
}

// TestReceiveRealStreams replays each protocol's full and incremental stream
// into a second directory and checks contents and received UUIDs.
func TestReceiveRealStreams(t *testing.T) {
	ctx := context.Background()
	for _, o := range []btrfs.SendOptions{{}, {Proto2Compressed: true}} {
		t.Run(map[bool]string{false: "v1", true: "v2-compressed"}[o.Proto2Compressed], func(t *testing.T) {
			files := map[string]string{"a.txt": strings.Repeat("a", 100_000), "d/b.txt": "b"}
			mnt, home := fsWithHome(t, "compress=zstd", files)
			s1 := snapshot(t, home, filepath.Join(mnt, "home.1"))
			changes := map[string]string{"a.txt": "changed", "c.txt": "c"}
			writeFiles(t, home, changes)
			s2 := snapshot(t, home, filepath.Join(mnt, "home.2"))

			into := btrfsSubdir(t, mnt, "restore")
			full := send(t, s1, o)
			if err := btrfs.Receive(ctx, into, bytesReader(full)); err != nil {
				t.Fatal(err)
			}
			incr := o
			incr.Parent = s1
			if err := btrfs.Receive(ctx, into, bytesReader(send(t, s2, incr))); err != nil {
				t.Fatal(err)
			}

			requireFiles(t, filepath.Join(into, "home.1"), files)
			requireFiles(t, filepath.Join(into, "home.2"), map[string]string{"a.txt": "changed", "c.txt": "c", "d/b.txt": "b"})
			for _, name := range []string{"home.1", "home.2"} {
				got := info(t, filepath.Join(into, name))
				if want := info(t, filepath.Join(mnt, name)).UUID; got.ReceivedUUID != want || !got.ReadOnly {
					t.Errorf("%s: received UUID %q read-only %v, want %q and read-only", name, got.ReceivedUUID, got.ReadOnly, want)
				}
			}
		})
	}
}

// TestSendOptionsMatchStream: the protocol recorded for a backup is the one
// its stream has.
func TestSendOptionsMatchStream(t *testing.T) {
	for _, s := range realStreams(t) {
		got, err := validate(s.stream)
		if err != nil {
			t.Fatal(err)
		}
		if int(got.Version) != s.opts.Proto() {
			t.Errorf("%s: stream version %d, options say %d (flags %q)", s.name, got.Version, s.opts.Proto(), s.opts.Flags())
		}
	}
}
