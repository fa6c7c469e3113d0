package restore_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// marker is a string planted in the source tree that must never appear in
// any object on the remote: everything there is encrypted.
const marker = "PLAINTEXT-MARKER-7f3a9c1e-must-not-leak"

// fillTree writes every kind of thing a home directory holds and a backup
// tool gets wrong: hardlinks, symlinks (one dangling), xattrs, a sparse
// file, a fifo, a device node, awkward names, other owners, setuid.
func fillTree(t *testing.T, dir string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("the quick brown fox "+marker+" jumps\n"), 20000)
	must(t, os.MkdirAll(filepath.Join(dir, "docs", "deep", "er"), 0o755))
	mustWrite(t, filepath.Join(dir, "docs", "letter.txt"), text, 0o644)
	mustWrite(t, filepath.Join(dir, "docs", "deep", "er", "notes.md"), []byte("# notes\n"), 0o640)
	mustWrite(t, filepath.Join(dir, "noise.bin"), noise, 0o600)
	mustWrite(t, filepath.Join(dir, "name with spaces.txt"), []byte("spaces"), 0o644)
	mustWrite(t, filepath.Join(dir, "new\nline"), []byte("newline in the name"), 0o644)
	mustWrite(t, filepath.Join(dir, "ünïcødé-名前.txt"), []byte("unicode"), 0o644)
	must(t, os.Link(filepath.Join(dir, "docs", "letter.txt"), filepath.Join(dir, "letter-hardlink.txt")))
	must(t, os.Symlink("docs/letter.txt", filepath.Join(dir, "link-to-letter")))
	must(t, os.Symlink("/nonexistent/target", filepath.Join(dir, "dangling-link")))
	must(t, unix.Setxattr(filepath.Join(dir, "docs", "letter.txt"), "user.comment", []byte("an xattr"), 0))
	must(t, unix.Mkfifo(filepath.Join(dir, "a-fifo"), 0o644))
	must(t, unix.Mknod(filepath.Join(dir, "null-device"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	mustWrite(t, filepath.Join(dir, "owned-by-1234.txt"), []byte("not root's"), 0o644)
	must(t, os.Lchown(filepath.Join(dir, "owned-by-1234.txt"), 1234, 5678))
	mustWrite(t, filepath.Join(dir, "setuid-tool"), []byte("#!/bin/sh\n"), 0o755)
	must(t, os.Chmod(filepath.Join(dir, "setuid-tool"), 0o4755))
	sparse, err := os.Create(filepath.Join(dir, "sparse.img"))
	must(t, err)
	_, err = sparse.WriteAt([]byte("end"), 200<<20)
	must(t, err)
	must(t, sparse.Close())
	mustWrite(t, filepath.Join(dir, "becomes-a-dir"), []byte("a file for now"), 0o644)
	fillTreeMetadata(t, dir)
}

// fillTreeMetadata adds what a system subvolume holds beyond plain files:
// a POSIX ACL, a file capability (as setcap writes it, on a file owned by
// someone else: btrfs send must order its chown before the capability,
// which a chown clears) and a reflinked copy sharing its extents.
func fillTreeMetadata(t *testing.T, dir string) {
	t.Helper()
	acl := filepath.Join(dir, "shared-with-1000.txt")
	mustWrite(t, acl, []byte("alice may read this"), 0o640)
	must(t, unix.Setxattr(acl, "system.posix_acl_access", posixACL(1000), 0))
	capped := filepath.Join(dir, "ping-like")
	mustWrite(t, capped, []byte("#!/bin/sh\n"), 0o755)
	must(t, os.Lchown(capped, 1234, 1234))
	must(t, unix.Setxattr(capped, "security.capability", netRawCapability(), 0))
	reflink(t, filepath.Join(dir, "noise.bin"), filepath.Join(dir, "noise-reflink.bin"))
}

// posixACL is the system.posix_acl_access value of "u::rw-,u:UID:r--,
// g::r--,m::r--,o::---" (setfacl's binary form: version 2, then tag, perm,
// id per entry, little-endian).
func posixACL(uid uint32) []byte {
	entry := func(tag, perm uint16, id uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, tag), perm), id)
	}
	const undefined = 0xffffffff
	b := binary.LittleEndian.AppendUint32(nil, 2)
	b = append(b, entry(0x01, 6, undefined)...)    // ACL_USER_OBJ rw-
	b = append(b, entry(0x02, 4, uid)...)          // ACL_USER r--
	b = append(b, entry(0x04, 4, undefined)...)    // ACL_GROUP_OBJ r--
	b = append(b, entry(0x10, 4, undefined)...)    // ACL_MASK r--
	return append(b, entry(0x20, 0, undefined)...) // ACL_OTHER ---
}

// netRawCapability is the security.capability value of "cap_net_raw+ep"
// (VFS_CAP_REVISION_2 with the effective bit; CAP_NET_RAW is 13).
func netRawCapability() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x02000000|1)
	b = binary.LittleEndian.AppendUint32(b, 1<<13) // permitted, low word
	b = binary.LittleEndian.AppendUint32(b, 0)     // inheritable, low word
	b = binary.LittleEndian.AppendUint32(b, 0)     // permitted, high word
	return binary.LittleEndian.AppendUint32(b, 0)  // inheritable, high word
}

// reflink makes dst a copy of src sharing all its extents (FICLONE).
func reflink(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	must(t, err)
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	must(t, err)
	defer out.Close()
	must(t, unix.IoctlFileClone(int(out.Fd()), int(in.Fd())))
}

// changeTree is the first round of changes: modify, delete, rename,
// chmod/chown, and a file replaced by a directory.
func changeTree(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "docs", "letter.txt"), os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = f.WriteString("a postscript\n")
	must(t, err)
	must(t, f.Close())
	must(t, os.Remove(filepath.Join(dir, "name with spaces.txt")))
	must(t, os.Rename(filepath.Join(dir, "docs", "deep", "er", "notes.md"), filepath.Join(dir, "notes-moved.md")))
	must(t, os.Chmod(filepath.Join(dir, "noise.bin"), 0o644))
	must(t, os.Lchown(filepath.Join(dir, "noise.bin"), 1000, 1000))
	must(t, os.Remove(filepath.Join(dir, "becomes-a-dir")))
	must(t, os.Mkdir(filepath.Join(dir, "becomes-a-dir"), 0o700))
	mustWrite(t, filepath.Join(dir, "becomes-a-dir", "inside"), []byte("now a directory"), 0o644)
}

// changeTreeAgain is the second round: new files, a removed hardlink, an
// xattr changed, a symlink retargeted.
func changeTreeAgain(t *testing.T, dir string) {
	t.Helper()
	mustWrite(t, filepath.Join(dir, "docs", "new-this-week.txt"), []byte("fresh"), 0o644)
	must(t, os.Remove(filepath.Join(dir, "letter-hardlink.txt")))
	must(t, unix.Setxattr(filepath.Join(dir, "docs", "letter.txt"), "user.comment", []byte("changed"), 0))
	must(t, os.Remove(filepath.Join(dir, "link-to-letter")))
	must(t, os.Symlink("notes-moved.md", filepath.Join(dir, "link-to-letter")))
}

// requireMetadataRestored judges fillTreeMetadata's part of a restored tree
// on its own, with the values written in, not by comparing trees: the ACL
// and the capability as set, the reflinked copy equal to its source.
func requireMetadataRestored(t *testing.T, dir string) {
	t.Helper()
	for _, x := range []struct {
		file, name string
		want       []byte
	}{
		{"shared-with-1000.txt", "system.posix_acl_access", posixACL(1000)},
		{"ping-like", "security.capability", netRawCapability()},
	} {
		got := make([]byte, 256)
		n, err := unix.Lgetxattr(filepath.Join(dir, x.file), x.name, got)
		if err != nil || !bytes.Equal(got[:n], x.want) {
			t.Errorf("%s: %s = %x, %v; want %x", x.file, x.name, got[:max(n, 0)], err, x.want)
		}
	}
	a, errA := os.ReadFile(filepath.Join(dir, "noise.bin"))
	b, errB := os.ReadFile(filepath.Join(dir, "noise-reflink.bin"))
	if errA != nil || errB != nil || !bytes.Equal(a, b) || len(a) != 3<<20 {
		t.Errorf("the reflinked copy was not restored equal to its source (%v, %v)", errA, errB)
	}
}
