package sendstream_test

import (
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
)

var randomSeed = flag.Uint64("seed", 0, "seed of TestDifferentialRandom (0: from the clock)")

// TestDifferentialRandom: seeded random histories (a few hundred
// operations per step, several steps) sent incrementally give the same tree
// natively as with btrfs receive at every step. The seed is printed; rerun
// with -seed N.
func TestDifferentialRandom(t *testing.T) {
	btrfstest.NoLeftovers(t)
	seed := *randomSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -seed %d)", seed, seed)
	o := newOracle(t)
	src := btrfstest.NewFS(t, 1<<30, "compress=zstd")
	for _, proto2 := range []bool{true, false} {
		name := fmt.Sprintf("random-v%d", map[bool]int{true: 2, false: 1}[proto2])
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(len(name))))
			live := btrfstest.Subvolume(t, src, name)
			steps := make([]func(fsops, string), 4)
			for i := range steps {
				steps[i] = func(o fsops, prev string) { randomOps(o, prev, rng, 250) }
			}
			streams, snaps := sendChain(t, live, steps, proto2)
			o.t = t
			o.chain(name, streams, snaps)
		})
	}
}

// randomOps applies n random operations to the live tree. Operations that
// make no sense for what they picked (renaming a directory into itself)
// fail and are skipped, as they would for a user.
func randomOps(o fsops, prev string, rng *rand.Rand, n int) {
	names := []string{"a", "b", "c", "d", "e", "f\nnl", "g\xff"}
	pick := func(kind fs.FileMode) string { return pickEntry(o.root, rng, kind) }
	fresh := func() string {
		return filepath.Join(pick(fs.ModeDir), names[rng.IntN(len(names))])
	}
	for range n {
		switch rng.IntN(14) {
		case 0:
			writeNew(o.p(fresh()), text(byte(rng.IntN(256)), rng.IntN(96<<10)))
		case 1:
			if f := pick(0); f != "" {
				writeAt(o.p(f), text(byte(rng.IntN(256)), rng.IntN(20000)), rng.Int64N(200<<10))
			}
		case 2:
			if f := pick(0); f != "" {
				os.Truncate(o.p(f), rng.Int64N(150<<10))
			}
		case 3:
			if p := pick(fs.ModeType); p != "" {
				os.Rename(o.p(p), o.p(fresh()))
			}
		case 4:
			os.Mkdir(o.p(fresh()), 0o755)
		case 5:
			if p := pick(fs.ModeType); p != "" && rng.IntN(3) == 0 {
				os.RemoveAll(o.p(p))
			}
		case 6:
			if f := pick(0); f != "" {
				os.Link(o.p(f), o.p(fresh()))
			}
		case 7:
			os.Symlink(names[rng.IntN(len(names))], o.p(fresh()))
		case 8:
			if p := pick(fs.ModeType); p != "" {
				unix.Fchmodat(unix.AT_FDCWD, o.p(p), uint32(rng.IntN(0o7777))|0o700, 0)
			}
		case 9:
			if f := pick(0); f != "" {
				if rng.IntN(2) == 0 {
					unix.Lsetxattr(o.p(f), "user.r", text(byte(rng.IntN(9)), rng.IntN(100)), 0)
				} else {
					unix.Lremovexattr(o.p(f), "user.r")
				}
			}
		case 10:
			src := pick(0)
			if prev != "" && rng.IntN(2) == 0 {
				src = pickEntry(prev, rng, 0)
				if src != "" {
					src = filepath.Join(prev, src)
				}
			}
			if src != "" {
				reflinkLoose(o, src, fresh())
			}
		case 11:
			if f := pick(0); f != "" {
				punchLoose(o.p(f), rng.Int64N(100<<10), rng.Int64N(64<<10))
			}
		case 12:
			unix.Mkfifo(o.p(fresh()), 0o644)
		case 13:
			if f := pick(0); f != "" {
				writeAt(o.p(f), text(1, 4096), rng.Int64N(8<<20))
			}
		}
	}
}

// pickEntry returns a random path under root (relative): a regular file
// (kind 0), a directory, "" included (fs.ModeDir), or anything
// (fs.ModeType); "" if there is none.
func pickEntry(root string, rng *rand.Rand, kind fs.FileMode) string {
	var found []string
	if kind == fs.ModeDir {
		found = append(found, "")
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case kind == fs.ModeType,
			kind == fs.ModeDir && d.IsDir(),
			kind == 0 && d.Type().IsRegular():
			found = append(found, rel)
		}
		return nil
	})
	if len(found) == 0 {
		return ""
	}
	return found[rng.IntN(len(found))]
}

func writeAt(path string, b []byte, off int64) {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		return
	}
	defer f.Close()
	f.WriteAt(b, off)
}

func punchLoose(path string, off, n int64) {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil || n == 0 {
		return
	}
	defer f.Close()
	unix.Fallocate(int(f.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, off, n)
}

func reflinkLoose(o fsops, src, dst string) {
	if !filepath.IsAbs(src) {
		src = o.p(src)
	}
	in, err := os.Open(src)
	if err != nil {
		return
	}
	defer in.Close()
	out, err := os.OpenFile(o.p(dst), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return
	}
	defer out.Close()
	unix.IoctlFileClone(int(out.Fd()), int(in.Fd()))
}

// writeNew creates or replaces a file's content; a fifo or symlink of that
// name is left alone (opening a fifo would block).
func writeNew(path string, b []byte) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	f.Write(b)
}
