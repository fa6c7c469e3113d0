package sendstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/internal/testing/treedigest"
	"github.com/argo-backup/argo-backup/sendstream"
)

// helperEnv makes the test binary apply streams as a normal user (see
// TestMain): "TARGET STREAM..." in, the report as JSON out.
const helperEnv = "ARGO_SENDSTREAM_APPLY_AS_USER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		os.Exit(applyHelper(strings.Fields(spec)))
	}
	os.Exit(m.Run())
}

func applyHelper(args []string) int {
	a, err := sendstream.NewApplier(args[0], sendstream.Options{WorkDir: filepath.Dir(args[0])})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer a.Close()
	for _, s := range args[1:] {
		f, err := os.Open(s)
		if err == nil {
			_, err = a.Apply(context.Background(), f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := a.Finish(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(a.Report())
	return 0
}

// A normal user restores a chain natively: everything but owners, device
// nodes and privileged xattrs is as btrfs receive (as root) makes it, also
// files and directories the stream made read-only before writing into
// them, and the report names what was left out.
func TestApplyAsNormalUser(t *testing.T) {
	btrfstest.NoLeftovers(t)
	src := btrfstest.NewFS(t, 1<<30, "compress=zstd")
	recv := btrfstest.NewFS(t, 1<<30, "")
	live := btrfstest.Subvolume(t, src, "user")
	steps := append(slices.Clone(trickySteps[:1]), func(o fsops, prev string) {
		o.mkdir("ro-dir")
		o.write("ro-dir/inside", []byte("in a read-only dir"))
		o.write("ro-file", []byte("read-only"))
		o.chmod("ro-file", 0o444)
		o.chmod("ro-dir", 0o555)
	}, func(o fsops, prev string) {
		o.chmod("ro-file", 0o644)
		o.writeAt("ro-file", []byte("READ"), 0)
		o.chmod("ro-file", 0o444)
		o.chmod("ro-dir", 0o755)
		o.write("ro-dir/added", []byte("added later"))
		o.chmod("ro-dir", 0o555)
	})
	streams, _ := sendChain(t, live, steps, true)

	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755) // let nobody reach the binary and the streams
	}
	bin := filepath.Join(dir, "sendstream.test")
	copyExecutable(t, os.Args[0], bin)
	target := filepath.Join(dir, "work", "user")
	must(t, os.MkdirAll(target, 0o755))
	must(t, os.Chown(filepath.Dir(target), 65534, 65534))
	must(t, os.Chown(target, 65534, 65534))
	args := []string{target}
	for i, s := range streams {
		p := filepath.Join(dir, fmt.Sprintf("stream.%d", i))
		must(t, os.WriteFile(p, s, 0o644))
		args = append(args, p)
		if err := btrfs.Receive(context.Background(), recv, bytes.NewReader(s)); err != nil {
			t.Fatal(err)
		}
	}
	rep := applyAsNobody(t, bin, args)
	t.Logf("report: %+v", rep)
	if rep.OwnersLeft == 0 || !slices.Equal(rep.DevicesSkipped, []string{"blk", "null"}) ||
		rep.XattrsSkipped["security.capability"] == 0 {
		t.Errorf("report %+v does not name the owners, devices and security.capability left out", rep)
	}
	info, err := validate(streams[len(streams)-1])
	must(t, err)
	want := asUser(treedigest.Of(t, filepath.Join(recv, info.Name), layout), "blk", "null")
	got := asUser(treedigest.Of(t, target, layout))
	treedigest.Require(t, "applied as nobody", want, got)
}

var mtimeField = regexp.MustCompile(` mtime=[0-9.]+`)
var ownerField = regexp.MustCompile(` uid=\d+ gid=\d+`)
var capabilityField = regexp.MustCompile(`security\.capability=[0-9a-f]* ?`)

var modeOwnerField = regexp.MustCompile(`^mode=([0-7]+) uid=(\d+) gid=(\d+)`)

// asUser drops from a digest what a normal user cannot restore: owners,
// and so the set-user-ID and set-group-ID bits of what nobody does not own.
func asUser(d treedigest.Digest, devices ...string) treedigest.Digest {
	out := treedigest.Digest{}
	for p, line := range d {
		if !slices.Contains(devices, p) {
			line = modeOwnerField.ReplaceAllStringFunc(line, func(f string) string {
				m := modeOwnerField.FindStringSubmatch(f)
				mode, _ := strconv.ParseUint(m[1], 8, 32)
				if m[2] != "65534" || m[3] != "65534" {
					mode &^= 0o6000
				}
				return fmt.Sprintf("mode=%o uid=%s gid=%s", mode, m[2], m[3])
			})
			out[p] = capabilityField.ReplaceAllString(ownerField.ReplaceAllString(line, ""), "")
		}
	}
	// btrfs receive renames the device nodes into the root after the
	// stream set the root's times, which moves its mtime; without the
	// nodes, the native root keeps the snapshot's.
	out["."] = mtimeField.ReplaceAllString(out["."], "")
	return out
}

func copyExecutable(t *testing.T, from, to string) {
	in, err := os.Open(from)
	must(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE, 0o755)
	must(t, err)
	defer out.Close()
	_, err = io.Copy(out, in)
	must(t, err)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// applyAsNobody runs the applier helper (the test binary, bin) as user
// nobody on args, and returns the report it prints.
func applyAsNobody(t *testing.T, bin string, args []string) sendstream.Report {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), helperEnv+"="+strings.Join(args, " "))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("applying as nobody: %v\n%s", err, stderr.String())
	}
	var rep sendstream.Report
	must(t, json.Unmarshal(out, &rep))
	return rep
}
