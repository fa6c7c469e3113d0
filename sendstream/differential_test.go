package sendstream_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// layout digests trees with where their data lies: the applier must punch
// holes where the stream has them.
var layout = treedigest.Options{Layout: true}

// oracle applies the same chains with btrfs receive onto btrfs and with
// the native applier onto ext4 and tmpfs (and xfs, where a test adds it),
// and compares the trees after
// every stream.
type oracle struct {
	t       *testing.T
	recv    string            // a directory on a btrfs for btrfs receive
	targets map[string]string // filesystem name -> directory for the applier
}

func newOracle(t *testing.T) *oracle {
	return &oracle{
		t:    t,
		recv: btrfstest.NewFS(t, 1<<30, ""),
		targets: map[string]string{
			"ext4":  newExt4(t, 1<<30),
			"tmpfs": newTmpfs(t),
		},
	}
}

// chain applies streams (full first) both ways under name, comparing
// after each, and returns the appliers' reports by filesystem.
//
// The root's own line is compared with the source snapshot's: btrfs receive
// lets renames into the root move its mtime after the stream set it, the
// applier sets it again (see Applier.restoreRootTimes).
func (o *oracle) chain(name string, streams [][]byte, snaps []string) map[string]sendstream.Report {
	t := o.t
	appliers := map[string]*sendstream.Applier{}
	for fs, dir := range o.targets {
		root := filepath.Join(dir, name)
		if err := os.Mkdir(root, 0o755); err != nil {
			t.Fatal(err)
		}
		a, err := sendstream.NewApplier(root, sendstream.Options{WorkDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		appliers[fs] = a
	}
	for i, s := range streams {
		if d := os.Getenv("ARGO_DUMP_STREAMS"); d != "" {
			os.WriteFile(filepath.Join(d, fmt.Sprintf("%s.%d", name, i)), s, 0o644)
		}
		if err := btrfs.Receive(context.Background(), o.recv, bytes.NewReader(s)); err != nil {
			t.Fatalf("%s stream %d: btrfs receive: %v", name, i, err)
		}
		info, err := validate(s)
		if err != nil {
			t.Fatal(err)
		}
		want := treedigest.Of(t, filepath.Join(o.recv, info.Name), layout)
		want["."] = treedigest.Of(t, snaps[i], layout)["."]
		for fs, a := range appliers {
			if _, err := a.Apply(context.Background(), bytes.NewReader(s)); err != nil {
				t.Fatalf("%s stream %d onto %s: %v", name, i, fs, err)
			}
			got := treedigest.Of(t, filepath.Join(o.targets[fs], name), layout)
			if fs == "xfs" {
				got = withoutXFSACLNames(got)
			}
			treedigest.Require(t, fmt.Sprintf("%s after stream %d (%s) on %s", name, i, info.Name, fs), want, got)
		}
	}
	reports := map[string]sendstream.Report{}
	for fs, a := range appliers {
		reports[fs] = a.Report()
		t.Logf("%s on %s: %+v", name, fs, reports[fs])
	}
	return reports
}

// xfsACLNames are the names xfs also lists, to root, the POSIX ACLs it
// holds under: the same ACL as system.posix_acl_*, which the digest has.
var xfsACLNames = regexp.MustCompile(` ?trusted\.SGI_ACL_(?:FILE|DEFAULT)=[0-9a-f]*`)

func withoutXFSACLNames(d treedigest.Digest) treedigest.Digest {
	for p, line := range d {
		d[p] = xfsACLNames.ReplaceAllString(line, "")
	}
	return d
}

// sendChain takes a read-only snapshot of live after each step and returns
// the full stream of the first and the incrementals of the others.
func sendChain(t *testing.T, live string, steps []func(o fsops, prev string), proto2 bool) (streams [][]byte, snaps []string) {
	prev := ""
	for i, step := range steps {
		step(fsops{t: t, root: live}, prev)
		snap := fmt.Sprintf("%s.%d", live, i+1)
		if err := btrfs.Snapshot(context.Background(), live, snap); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := btrfs.Send(context.Background(), snap, btrfs.SendOptions{Parent: prev, Proto2Compressed: proto2}, &buf); err != nil {
			t.Fatal(err)
		}
		streams = append(streams, buf.Bytes())
		snaps = append(snaps, snap)
		prev = snap
	}
	return streams, snaps
}

// TestDifferentialTricky: a tree with every file type, odd names, hardlink
// churn, swapped and cycled renames, directories replaced by files and
// back, reflinks within and across snapshots, holes, truncation, xattrs
// and owners, sent as protocol 2 with compressed data from zstd, zlib and
// lzo mounts and as protocol 1, is the same restored natively on ext4,
// tmpfs and xfs as by btrfs receive, after every stream of the chain. On
// xfs the clones are reflinks; ext4 and tmpfs cannot, so they copy.
func TestDifferentialTricky(t *testing.T) {
	btrfstest.NoLeftovers(t)
	o := newOracle(t)
	o.targets["xfs"] = newXFS(t)
	src := btrfstest.NewFS(t, 1<<30, "compress=zstd")
	for _, v := range []struct {
		name, compress string
		proto2         bool
		encoding       uint32 // of the stream's encoded writes
	}{
		{"zstd-v2", "zstd", true, sendstream.CompressZstd},
		{"zlib-v2", "zlib", true, sendstream.CompressZlib},
		{"lzo-v2", "lzo", true, sendstream.CompressLzo4K},
		{"zstd-v1", "zstd", false, 0},
	} {
		t.Run(v.name, func(t *testing.T) {
			run(t, "mount", "-o", "remount,compress="+v.compress, src)
			live := btrfstest.Subvolume(t, src, v.name)
			streams, snaps := sendChain(t, live, trickySteps, v.proto2)
			if n := encodedWrites(t, streams, v.encoding); v.proto2 && n == 0 {
				t.Fatalf("no encoded writes with compression %d in the streams: the test does not test decompression", v.encoding)
			}
			o.t = t
			reports := o.chain(v.name, streams, snaps)
			for fs, r := range reports {
				if reflinks := fs == "xfs"; (r.Reflinks > 0) != reflinks || r.Reflinks+r.CloneCopies == 0 {
					t.Errorf("%s: %d clones as reflinks, %d as copies; want reflinks: %v", fs, r.Reflinks, r.CloneCopies, reflinks)
				}
			}
			// The filesystem's own word (FIEMAP's shared flag) that the
			// reflink copy shares extents with dir/a.txt.
			copied := filepath.Join(o.targets["xfs"], v.name, "dir/a-reflink")
			if out, err := exec.Command("filefrag", "-v", copied).CombinedOutput(); err != nil || !strings.Contains(string(out), "shared") {
				t.Errorf("filefrag -v %s (%v) shows no shared extent:\n%s", copied, err, out)
			}
		})
	}
}

// encodedWrites counts the ENCODED_WRITE commands with compression c.
func encodedWrites(t *testing.T, streams [][]byte, c uint32) int {
	n := 0
	for _, s := range streams {
		rd := sendstream.NewReader(bytes.NewReader(s))
		for {
			cmd, err := rd.Next()
			if err != nil {
				break
			}
			if cmd.Type == sendstream.CmdEncodedWrite && cmd.Compression == c {
				n++
			}
		}
	}
	return n
}
