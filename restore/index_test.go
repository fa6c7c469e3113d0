package restore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
	"github.com/argo-backup/argo-backup/restore"
)

// countingStore records every object read.
type countingStore struct {
	restore.Store
	mu    sync.Mutex
	reads []string
}

func (c *countingStore) note(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = append(c.reads, name)
}

func (c *countingStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	c.note(name)
	return c.Store.Open(ctx, name)
}

func (c *countingStore) ReadAll(ctx context.Context, name string) ([]byte, error) {
	c.note(name)
	return c.Store.ReadAll(ctx, name)
}

// take returns the base names of the objects read since the last take.
func (c *countingStore) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, r := range c.reads {
		out = append(out, filepath.Base(r))
	}
	c.reads = nil
	return out
}

// TestIndexBrowsesWithoutParts: a full of many parts and incrementals
// (renamed directories, edited, deleted and new files) pushed to a real
// local remote. The tree each backup's indexes describe equals a walk of
// its source snapshot, reading index objects only; cat of a small file
// reads at most two parts; a swapped index is refused by name.
func TestIndexBrowsesWithoutParts(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	w.pusher.PartSize = 64 << 10
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	src := w.source
	for i := range 6 {
		writeFile(t, filepath.Join(src, "big", fmt.Sprintf("blob-%d", i)), randomBytes(rng, 100<<10+rng.IntN(50<<10)))
	}
	writeFile(t, filepath.Join(src, "me", "thesis", "chapter1.txt"), []byte("It was a dark and stormy night.\n"))
	writeFile(t, filepath.Join(src, "me", "notes.txt"), randomBytes(rng, 3000))
	os.Symlink("thesis/chapter1.txt", filepath.Join(src, "me", "latest"))
	unix.Setxattr(filepath.Join(src, "me", "notes.txt"), "user.tag", []byte("x"), 0)
	// Special files keep xattrs too (trusted.*: Linux allows user.* only on
	// files and directories); restore --path sets them without following.
	must(t, unix.Mkfifo(filepath.Join(src, "me", "pipe"), 0o640))
	must(t, unix.Lsetxattr(filepath.Join(src, "me", "pipe"), "trusted.tag", []byte("fifo"), 0))
	must(t, unix.Lsetxattr(filepath.Join(src, "me", "latest"), "trusted.tag", []byte("link"), 0))
	must(t, unix.Setxattr(filepath.Join(src, "me"), "user.dir", []byte("d"), 0))
	os.Chown(filepath.Join(src, "me"), 1000, 1000)

	counting := &countingStore{Store: w.store}
	cat := &restore.Catalog{Store: counting, Identities: w.restorer.Catalog.Identities}
	var snaps []string
	for step := range 3 {
		switch step {
		case 1:
			os.Rename(filepath.Join(src, "me", "thesis"), filepath.Join(src, "me", "thesis-v2"))
			writeFile(t, filepath.Join(src, "me", "thesis-v2", "chapter2.txt"), []byte("Chapter two.\n"))
			os.Remove(filepath.Join(src, "big", "blob-0"))
		case 2:
			f, _ := os.OpenFile(filepath.Join(src, "big", "blob-3"), os.O_WRONLY, 0)
			f.WriteAt([]byte("patched in the middle"), 50<<10)
			f.Close()
			os.Chmod(filepath.Join(src, "me", "notes.txt"), 0o600)
		}
		rec := w.push(step == 0)
		if rec.Index == nil {
			t.Fatalf("step %d: the record names no index", step)
		}
		snaps = append(snaps, rec.Snapshot)
		recs, err := cat.Records(w.ctx, host, "home")
		if err != nil {
			t.Fatal(err)
		}
		counting.take()
		for _, snap := range snaps {
			tree, err := cat.Tree(w.ctx, host, recs, snap)
			if err != nil {
				t.Fatalf("step %d: tree of %s: %v", step, snap, err)
			}
			for _, name := range counting.take() {
				if !remote.IsIndex(name) {
					t.Errorf("listing %s read %s, not only indexes", snap, name)
				}
			}
			requireTreeEqual(t, tree, filepath.Join(w.snapDir, snap), cat, recs)
			counting.take()
		}
		tree, err := cat.Tree(w.ctx, host, recs, rec.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		counting.take()
		n, err := tree.Lookup("/me/notes.txt")
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.WriteFile(w.ctx, n, restore.NewPartStreams(cat, host, recs), io.Discard); err != nil {
			t.Fatal(err)
		}
		if got := counting.take(); len(got) == 0 || len(got) > 2 || len(rec.Parts) < 10 && step == 0 {
			t.Errorf("step %d: cat of a small file read %v (of %d parts)", step, got, len(rec.Parts))
		}
	}
	recs, _ := cat.Records(w.ctx, host, "home")
	requireExtracted(t, w, cat, recs, snaps[len(snaps)-1], "/me")
	requireExtracted(t, w, cat, recs, snaps[0], "/me/thesis/chapter1.txt")
	// A swapped index: the last backup's index object replaced by the first's.
	first, last := snaps[0], snaps[len(snaps)-1]
	b, err := w.store.ReadAll(w.ctx, remote.IndexName(host, "home", first))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", last), b); err != nil {
		t.Fatal(err)
	}
	_, err = cat.Tree(w.ctx, host, recs, last)
	if !errs.IsDamage(err) || !strings.Contains(err.Error(), "modified or swapped") || !strings.Contains(err.Error(), last) {
		t.Fatalf("a swapped index gave %v, want it refused by name", err)
	}
	// A modified index (one byte of the stored object).
	b[len(b)/2] ^= 1
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", last), b); err != nil {
		t.Fatal(err)
	}
	if _, err = cat.Tree(w.ctx, host, recs, last); !errs.IsDamage(err) || !strings.Contains(err.Error(), "modified or swapped") {
		t.Fatalf("a modified index gave %v, want it refused by name", err)
	}
	// A backup without an index says what to run.
	for _, r := range recs {
		r.Index = nil
	}
	// An index changed after its signed head was made (re-sealed, so that
	// only the head's sha256 can tell), read where no record names it.
	mid := remote.IndexName(host, "home", snaps[1])
	stored, err := w.store.ReadAll(w.ctx, mid)
	if err != nil {
		t.Fatal(err)
	}
	r, err := crypto.NewOpener(w.restorer.Catalog.Identities).Open(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	plain = bytes.Replace(plain, []byte(`"mode":420`), []byte(`"mode":438`), 1)
	var resealed bytes.Buffer
	if err := w.pusher.Sealer.Seal(&resealed, plain); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(w.ctx, mid, resealed.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Tree(w.ctx, host, recs, snaps[1]); !errs.IsDamage(err) || !strings.Contains(err.Error(), "signed head names") {
		t.Fatalf("an index changed under its signed head gave %v, want it refused by name", err)
	}
	if err := w.store.Delete(w.ctx, remote.IndexName(host, "home", first)); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Tree(w.ctx, host, recs, first); !errs.IsUser(err) || !strings.Contains(err.Error(), "index --rebuild") {
		t.Fatalf("a backup without an index gave %v", err)
	}
	// An unsigned index where the record names none is refused.
	var sealed bytes.Buffer
	if err := w.pusher.Sealer.Seal(&sealed, []byte(`{"format":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", first), sealed.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Tree(w.ctx, host, recs, first); !errs.IsDamage(err) || !strings.Contains(err.Error(), "unsigned") {
		t.Fatalf("an unsigned index gave %v, want it refused by name", err)
	}
	// An index of the first form (one envelope around the whole index,
	// as written before the signed head) still reads.
	body, err := os.ReadFile(w.pusher.State.IndexPath(host, "home", first))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := w.pusher.Signer.Sign(index.SignedType, body)
	if err != nil {
		t.Fatal(err)
	}
	sealed.Reset()
	if err := w.pusher.Sealer.Seal(&sealed, whole); err != nil {
		t.Fatal(err)
	}
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", first), sealed.Bytes()); err != nil {
		t.Fatal(err)
	}
	tree, err := cat.Tree(w.ctx, host, recs, first)
	if err != nil {
		t.Fatalf("an index of the first form: %v", err)
	}
	requireTreeEqual(t, tree, filepath.Join(w.snapDir, first), cat, recs)
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// requireTreeEqual compares the index's tree (every file read through
// the parts) with a walk of the snapshot by the standard library.
func requireTreeEqual(t *testing.T, tree *index.Tree, snap string, cat *restore.Catalog, recs []*manifest.Record) {
	t.Helper()
	var want, got []string
	filepath.WalkDir(snap, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		var st unix.Stat_t
		unix.Lstat(p, &st)
		rel := "/" + strings.TrimPrefix(strings.TrimPrefix(p, snap), "/")
		line := fmt.Sprintf("%s %o %d:%d %d", rel, st.Mode, st.Uid, st.Gid, st.Mtim.Nano())
		switch {
		case d.Type().IsRegular():
			b, _ := os.ReadFile(p)
			sum := sha256.Sum256(b)
			line += fmt.Sprintf(" %d %x", len(b), sum)
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		want = append(want, line)
		return nil
	})
	streams := restore.NewPartStreams(cat, host, recs)
	tree.Walk("/", func(p string, n *index.Node) bool {
		mode := map[string]uint32{index.KindDir: unix.S_IFDIR, index.KindFile: unix.S_IFREG, index.KindSymlink: unix.S_IFLNK,
			index.KindFifo: unix.S_IFIFO}[n.Kind] | n.Mode
		line := fmt.Sprintf("%s %o %d:%d %d", p, mode, n.UID, n.GID, n.MtimeNs)
		switch n.Kind {
		case index.KindFile:
			h := sha256.New()
			if err := tree.WriteFile(context.Background(), n, streams, h); err != nil {
				t.Errorf("cat %s: %v", p, err)
			}
			line += fmt.Sprintf(" %d %s", n.Size, hex.EncodeToString(h.Sum(nil)))
		case index.KindSymlink:
			line += " -> " + string(n.Target)
		}
		got = append(got, line)
		return true
	})
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("tree of %s:\nwant\n%s\ngot\n%s", snap, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
}

// requireExtracted restores one path of a backup (restore --path) into a
// fresh directory and compares it with the source snapshot.
func requireExtracted(t *testing.T, w *world, cat *restore.Catalog, recs []*manifest.Record, snap, p string) {
	t.Helper()
	tree, err := cat.Tree(w.ctx, host, recs, snap)
	if err != nil {
		t.Fatal(err)
	}
	into := t.TempDir()
	root, err := os.OpenRoot(into)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	dir := filepath.Join(into, snap)
	x := &restore.Extract{Tree: tree, Streams: restore.NewPartStreams(cat, host, recs), Into: root, Name: snap, AsRoot: true}
	if err := x.Paths(w.ctx, []string{p}); err != nil {
		t.Fatalf("restore --path %s: %v", p, err)
	}
	if len(x.Skipped) > 0 {
		t.Errorf("as root, skipped %v", x.Skipped)
	}
	want := describeTree(t, filepath.Join(w.snapDir, snap, p))
	got := describeTree(t, filepath.Join(dir, p))
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("restore --path %s of %s:\nwant\n%s\ngot\n%s", p, snap, strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if err := x.Paths(w.ctx, []string{p}); err == nil || !errs.IsUser(err) {
		t.Errorf("restoring %s over itself gave %v, want a refusal", p, err)
	}
}

// describeTree lists what restore preserves of every path under top, by
// the standard library.
func describeTree(t *testing.T, top string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		line := fmt.Sprintf("%q %o %d:%d %d", strings.TrimPrefix(p, top), st.Mode, st.Uid, st.Gid, st.Mtim.Nano())
		switch {
		case d.Type().IsRegular():
			b, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		}
		buf := make([]byte, 4096) // of every type: files, directories, symlinks, fifos
		n, _ := unix.Llistxattr(p, buf)
		for _, name := range strings.Split(string(buf[:max(n, 0)]), "\x00") {
			if name != "" {
				v := make([]byte, 4096)
				k, _ := unix.Lgetxattr(p, name, v)
				line += fmt.Sprintf(" %s=%q", name, v[:max(k, 0)])
			}
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlantedIndexBombIsRefusedEarly: an index object of a few kilobytes
// that decompresses to hundreds of megabytes, planted for a backup whose
// record names no index (as index --rebuild's are), is refused without
// ever holding its plaintext: decompression stops at MaxIndexPlain.
func TestPlantedIndexBombIsRefusedEarly(t *testing.T) {
	w := newWorld(t, remotetest.Local(t))
	writeFile(t, filepath.Join(w.source, "a.txt"), []byte("a\n"))
	rec := w.push(true)
	recs, err := w.restorer.Catalog.Records(w.ctx, host, "home")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Index = nil
	}
	var sealed bytes.Buffer
	aw, err := age.Encrypt(&sealed, w.pusher.Recipients...)
	if err != nil {
		t.Fatal(err)
	}
	zw, err := zstd.NewWriter(aw, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 4 << 10 { // 4 GiB of zeros
		if _, err := zw.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := aw.Close(); err != nil {
		t.Fatal(err)
	}
	if sealed.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want a small one", sealed.Len())
	}
	if err := w.store.Put(w.ctx, remote.IndexName(host, "home", rec.Snapshot), sealed.Bytes()); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cat := &restore.Catalog{Store: w.store, Identities: w.restorer.Catalog.Identities}
	_, err = cat.Tree(w.ctx, host, recs, rec.Snapshot)
	runtime.ReadMemStats(&after)
	if !errs.IsDamage(err) || !strings.Contains(err.Error(), rec.Snapshot) {
		t.Fatalf("a planted index bomb gave %v, want it refused by name as damage", err)
	}
	// Holding the whole plaintext would allocate at least 4 GiB; reading
	// no further than the first line's bound for an index no record names
	// (16 MiB) allocates a small multiple of that.
	if got := after.TotalAlloc - before.TotalAlloc; got > 256<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", got>>20)
	}
}
