package btrfs_test

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"golang.org/x/sys/unix"
)

// Send stream command and attribute numbers, from btrfs-progs send.h. They
// are written out here, not taken from package btrfs, so that the hostile
// streams do not depend on the code under test.
const (
	sSubvol, sMkfile, sMknod, sSymlink, sWrite, sEnd = 1, 3, 5, 8, 15, 21

	aUUID, aCTransID, aIno, aMode, aRdev = 1, 2, 3, 5, 8
	aPath, aPathLink, aOffset, aData     = 15, 17, 18, 19
)

// streamBuilder writes a v1 send stream by hand, as an attacker would.
type streamBuilder struct{ b []byte }

type attr struct {
	typ uint16
	val []byte
}

func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func newStream(subvol string) *streamBuilder {
	s := &streamBuilder{b: append([]byte("btrfs-stream\x00"), 1, 0, 0, 0)}
	uuid := []byte("0123456789abcdef")
	s.cmd(sSubvol, attr{aPath, []byte(subvol)}, attr{aUUID, uuid}, attr{aCTransID, u64(7)})
	return s
}

func (s *streamBuilder) cmd(typ uint16, attrs ...attr) *streamBuilder {
	c := make([]byte, 10)
	for _, a := range attrs {
		c = binary.LittleEndian.AppendUint16(c, a.typ)
		c = binary.LittleEndian.AppendUint16(c, uint16(len(a.val)))
		c = append(c, a.val...)
	}
	binary.LittleEndian.PutUint32(c, uint32(len(c)-10))
	binary.LittleEndian.PutUint16(c[4:], typ)
	// crc32c with seed 0 and no final inversion (FACTS.md), crc field zero.
	crc := ^crc32.Update(^uint32(0), crc32.MakeTable(crc32.Castagnoli), c)
	binary.LittleEndian.PutUint32(c[6:], crc)
	s.b = append(s.b, c...)
	return s
}

func (s *streamBuilder) end() []byte { return s.cmd(sEnd).b }

func path(p string) attr { return attr{aPath, []byte(p)} }
func ino(i uint64) attr  { return attr{aIno, u64(i)} }

// write is a WRITE of data at offset 0 into p.
func (s *streamBuilder) write(p, data string) *streamBuilder {
	return s.cmd(sWrite, path(p), attr{aOffset, u64(0)}, attr{aData, []byte(data)})
}

// TestReceiveConfinedToTarget: streams that reach outside the receive
// target, through an absolute symlink, through `..`, and through a block
// device node, change nothing outside it. They are fed to btrfs receive as
// Receive runs it but without the validator, so this holds at the receive
// and mount layer whatever the validator accepts. Each stream is first
// replayed unconfined (no -C, a mount that allows devices) to prove it
// really escapes there.
func TestReceiveConfinedToTarget(t *testing.T) {
	btrfstest.RequireRoot(t)
	outside := t.TempDir() // off the target filesystem
	victim := filepath.Join(outside, "victim")
	const original = "untouched"
	disk, diskImage := victimDisk(t, outside)

	tests := []struct {
		name    string
		stream  []byte
		escaped func() bool // whether the stream reached outside
	}{
		{
			name: "absolute symlink",
			stream: newStream("evil").
				cmd(sSymlink, path("dir"), ino(257), attr{aPathLink, []byte(outside)}).
				cmd(sMkfile, path("dir/planted"), ino(258)).
				cmd(sSymlink, path("file"), ino(259), attr{aPathLink, []byte(victim)}).
				write("file", "pwned").end(),
			escaped: func() bool { return exists(filepath.Join(outside, "planted")) || read(t, victim) != original },
		},
		{
			name: "dot-dot path",
			stream: newStream("evil").
				cmd(sMkfile, path("../../../../../../../../../../"+strings.TrimPrefix(outside, "/")+"/dotdot"), ino(257)).end(),
			escaped: func() bool { return exists(filepath.Join(outside, "dotdot")) },
		},
		{
			name: "block device then write",
			stream: newStream("evil").
				cmd(sMknod, path("disk"), ino(257), attr{aMode, u64(unix.S_IFBLK | 0o600)}, attr{aRdev, u64(disk)}).
				write("disk", "pwned").end(),
			escaped: func() bool { return !strings.HasPrefix(read(t, diskImage), "\x00\x00\x00\x00\x00") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reset(t, victim, original, diskImage)
			confined := btrfstest.NewFS(t, fsSize, "")
			err := btrfs.ReceiveUnvalidated(context.Background(), confined, tt.stream)
			t.Logf("confined receive: %v", err)
			if tt.escaped() {
				t.Fatal("the stream reached outside the receive target")
			}

			// The control: unconfined, the same stream does escape.
			open := btrfstest.NewFS(t, fsSize, "")
			if out, err := exec.Command("mount", "-o", "remount,dev,suid,exec", open).CombinedOutput(); err != nil {
				t.Fatalf("remount %s: %v: %s", open, err, out)
			}
			cmd := exec.Command("btrfs", "receive", open)
			cmd.Stdin = strings.NewReader(string(tt.stream))
			out, err := cmd.CombinedOutput()
			t.Logf("unconfined receive: %v: %s", err, out)
			if !tt.escaped() {
				t.Fatal("control: the stream did not escape an unconfined receive, so the test proves nothing")
			}
		})
	}
}

// victimDisk attaches a loop device to a zeroed image in dir and returns
// its device number and the image, which a write through the device would
// change.
func victimDisk(t *testing.T, dir string) (uint64, string) {
	t.Helper()
	image := filepath.Join(dir, "disk.img")
	if err := os.WriteFile(image, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", image).Output()
	if err != nil {
		t.Fatalf("losetup: %v", err)
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	var st unix.Stat_t
	if err := unix.Stat(dev, &st); err != nil {
		t.Fatal(err)
	}
	return st.Rdev, image
}

// reset puts the victims back as they were before a stream.
func reset(t *testing.T, victim, content, diskImage string) {
	t.Helper()
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(diskImage, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(make([]byte, 4096), 0); err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return !errors.Is(err, os.ErrNotExist)
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
