package sendstream_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// fsops changes a live subvolume, failing the test on any error.
type fsops struct {
	t    testing.TB
	root string
}

func (o fsops) p(name string) string { return filepath.Join(o.root, name) }

func (o fsops) must(err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
}

func (o fsops) write(name string, b []byte) { o.t.Helper(); o.must(os.WriteFile(o.p(name), b, 0o644)) }
func (o fsops) mkdir(name string)           { o.t.Helper(); o.must(os.MkdirAll(o.p(name), 0o755)) }
func (o fsops) rename(a, b string)          { o.t.Helper(); o.must(os.Rename(o.p(a), o.p(b))) }
func (o fsops) link(a, b string)            { o.t.Helper(); o.must(os.Link(o.p(a), o.p(b))) }
func (o fsops) remove(name string)          { o.t.Helper(); o.must(os.RemoveAll(o.p(name))) }
func (o fsops) symlink(target, name string) { o.t.Helper(); o.must(os.Symlink(target, o.p(name))) }
func (o fsops) chmod(name string, m uint32) { o.t.Helper(); o.must(unix.Chmod(o.p(name), m)) }
func (o fsops) chown(name string, u, g int) { o.t.Helper(); o.must(os.Lchown(o.p(name), u, g)) }
func (o fsops) mknod(name string, mode uint32, dev int) {
	o.t.Helper()
	o.must(unix.Mknod(o.p(name), mode, dev))
}
func (o fsops) setxattr(name, key string, v []byte) {
	o.t.Helper()
	o.must(unix.Lsetxattr(o.p(name), key, v, 0))
}

func (o fsops) writeAt(name string, b []byte, off int64) {
	o.t.Helper()
	f, err := os.OpenFile(o.p(name), os.O_WRONLY|os.O_CREATE, 0o644)
	o.must(err)
	defer f.Close()
	_, err = f.WriteAt(b, off)
	o.must(err)
}

func (o fsops) truncate(name string, size int64) { o.t.Helper(); o.must(os.Truncate(o.p(name), size)) }

func (o fsops) punch(name string, off, n int64) {
	o.t.Helper()
	f, err := os.OpenFile(o.p(name), os.O_WRONLY, 0)
	o.must(err)
	defer f.Close()
	o.must(unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n))
}

// reflink makes dst a reflink copy of src (either may be absolute, e.g. in
// an earlier read-only snapshot), as cp --reflink=always does.
func (o fsops) reflink(src, dst string) {
	o.t.Helper()
	if !filepath.IsAbs(src) {
		src = o.p(src)
	}
	in, err := os.Open(src)
	o.must(err)
	defer in.Close()
	out, err := os.Create(o.p(dst))
	o.must(err)
	defer out.Close()
	o.must(unix.IoctlFileClone(int(out.Fd()), int(in.Fd())))
}

// text returns n bytes of compressible, seed-dependent text.
func text(seed byte, n int) []byte {
	line := []byte("the quick brown fox jumps over the lazy dog 0123456789\n")
	var b bytes.Buffer
	for b.Len() < n {
		line[len(line)-2] = '0' + seed%10
		b.Write(line)
		seed++
	}
	return b.Bytes()[:n]
}

// capability is a valid security.capability value (v2, cap_net_raw).
func capability() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x02000001)
	b = binary.LittleEndian.AppendUint32(b, 1<<13)
	return append(b, make([]byte, 12)...)
}

// aclAccess is a valid system.posix_acl_access value: u::rw-, u:1000:r--,
// g::r--, m::r--, o::r--.
func aclAccess() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 2)
	for _, e := range [][3]uint32{{1, 6, 0xffffffff}, {2, 4, 1000}, {4, 4, 0xffffffff}, {0x10, 4, 0xffffffff}, {0x20, 4, 0xffffffff}} {
		b = binary.LittleEndian.AppendUint16(b, uint16(e[0]))
		b = binary.LittleEndian.AppendUint16(b, uint16(e[1]))
		b = binary.LittleEndian.AppendUint32(b, e[2])
	}
	return b
}

// trickySteps build the tricky tree and change it twice; prev is the path
// of the snapshot taken before the step ("" for the first).
var trickySteps = []func(o fsops, prev string){
	func(o fsops, _ string) {
		o.mkdir("dir/sub/deep")
		o.write("dir/a.txt", text(1, 300<<10))
		o.write("dir/b.txt", text(2, 5000))
		o.write("dir/sub/small", []byte("small\n"))
		o.write("empty", nil)
		o.write("name with\nnewline", []byte("nl"))
		o.write("bad-\xff\xfe-utf8", []byte("bytes"))
		o.write("swap1", []byte("one"))
		o.write("swap2", []byte("two"))
		o.write("cyc1", []byte("c1"))
		o.write("cyc2", []byte("c2"))
		o.write("cyc3", []byte("c3"))
		o.writeAt("sparse", []byte("head"), 0)
		o.writeAt("sparse", text(3, 8192), 32<<20)
		o.truncate("sparse", 64<<20)
		o.write("setuid", []byte("#!/bin/sh\n"))
		o.chmod("setuid", 0o4755)
		o.write("owned", []byte("x"))
		o.chown("owned", 1234, 5678)
		o.link("dir/b.txt", "hard1")
		o.link("dir/b.txt", "dir/sub/hard2")
		o.symlink("dir/a.txt", "rel-link")
		o.symlink("/etc/passwd", "abs-link")
		o.symlink("nowhere/at/all", "dangling")
		o.mknod("fifo", unix.S_IFIFO|0o640, 0)
		o.mknod("sock", unix.S_IFSOCK|0o600, 0)
		o.mknod("null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3)))
		o.mknod("blk", unix.S_IFBLK|0o600, int(unix.Mkdev(7, 200)))
		o.setxattr("dir/a.txt", "user.note", []byte("hello"))
		o.setxattr("setuid", "security.capability", capability())
		o.setxattr("dir/b.txt", "system.posix_acl_access", aclAccess())
		o.mkdir("becomes-file/inner")
		o.write("becomes-file/inner/f", []byte("in a dir"))
		o.write("becomes-dir", []byte("a file first"))
		o.reflink("dir/a.txt", "dir/a-reflink")
		o.write("will-change", text(4, 200<<10))
		o.write("trunc", text(5, 100<<10))
	},
	func(o fsops, prev string) {
		o.writeAt("dir/a.txt", []byte("OVERWRITTEN"), 4096)
		o.writeAt("dir/b.txt", []byte("appended"), 5000)
		o.truncate("trunc", 10000)
		o.punch("dir/a.txt", 128<<10, 64<<10)
		o.rename("swap1", "swap-tmp")
		o.rename("swap2", "swap1")
		o.rename("swap-tmp", "swap2")
		o.rename("cyc1", "cyc-tmp")
		o.rename("cyc2", "cyc1")
		o.rename("cyc3", "cyc2")
		o.rename("cyc-tmp", "cyc3")
		o.remove("becomes-file")
		o.write("becomes-file", []byte("now a file"))
		o.remove("becomes-dir")
		o.mkdir("becomes-dir")
		o.write("becomes-dir/child", []byte("child"))
		o.remove("empty")
		o.write("empty", []byte("recreated"))
		o.link("hard1", "hard3")
		o.remove("dir/b.txt")
		o.setxattr("dir/a.txt", "user.second", []byte("2"))
		o.must(unix.Lremovexattr(o.p("dir/a.txt"), "user.note"))
		o.chmod("dir/sub", 0o711)
		o.chown("dir/sub/small", 42, 43)
		// a clone from the parent whose source this same step overwrites
		o.reflink(filepath.Join(prev, "will-change"), "cloned-from-parent")
		o.write("will-change", text(9, 200<<10))
		o.reflink("dir/a.txt", "dir/sub/deep/within")
		o.rename("dir/sub", "moved-sub")
	},
	func(o fsops, prev string) {
		o.remove("becomes-file")
		o.mkdir("becomes-file")
		o.write("becomes-file/again", []byte("a dir again"))
		o.remove("hard1")
		o.rename("hard3", "dir/hard-moved")
		o.rename("moved-sub", "dir/sub")
		o.reflink(filepath.Join(prev, "cloned-from-parent"), "second-gen")
		o.truncate("cloned-from-parent", 4096)
		o.writeAt("sparse", text(6, 4096), 48<<20)
		o.punch("sparse", 32<<20, 8192)
		o.remove("rel-link")
		o.symlink("changed/target", "rel-link")
	},
}
