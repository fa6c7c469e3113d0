package restore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/argo-backup/argo-backup/index"
	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/restore"
	"golang.org/x/sys/unix"
)

// failingStreams answers the first left reads, then fails every read: a
// part that turns out damaged, or a network gone, halfway through.
type failingStreams struct {
	index.Streams
	left int
}

var errPartGone = errors.New("part gone")

func (f *failingStreams) ReadAt(ctx context.Context, snap string, p []byte, off int64) error {
	if f.left == 0 {
		return errPartGone
	}
	f.left--
	return f.Streams.ReadAt(ctx, snap, p, off)
}

// extractWorld is one full backup of a tree with a file of many parts, a
// sparse file and a setuid file owned by someone else.
func extractWorld(t *testing.T) (*world, *restore.Catalog, []*manifest.Record, string) {
	t.Helper()
	w := newWorld(t, remotetest.Local(t))
	w.pusher.PartSize = 64 << 10
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	writeFile(t, filepath.Join(w.source, "me", "photos", "big.raw"), randomBytes(rng, 600<<10))
	writeFile(t, filepath.Join(w.source, "me", "notes.txt"), []byte("notes\n"))
	sparse := filepath.Join(w.source, "me", "sparse.img")
	writeFile(t, sparse, nil)
	f, err := os.OpenFile(sparse, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(randomBytes(rng, 4096), 32<<20) // 4 KiB of data in a 64 MiB file
	f.Truncate(64 << 20)
	f.Close()
	writeFile(t, filepath.Join(w.source, "me", "suid"), []byte("#!/bin/sh\n"))
	os.Chown(filepath.Join(w.source, "me", "suid"), 1000, 1000)
	os.Chmod(filepath.Join(w.source, "me", "suid"), 0o4755)
	rec := w.push(true)
	cat := &restore.Catalog{Store: w.store, Identities: w.restorer.Catalog.Identities}
	recs, err := cat.Records(w.ctx, host, "home")
	if err != nil {
		t.Fatal(err)
	}
	return w, cat, recs, rec.Snapshot
}

// A restore --path that fails halfway (a part gone) leaves nothing under
// the real names, and the same restore run again finishes it: identical
// to the source, sparse file still sparse. A third run refuses, as the
// paths are there now.
func TestExtractFailedRunLeavesNothingAndRerunFinishes(t *testing.T) {
	w, cat, recs, snap := extractWorld(t)
	into := t.TempDir()
	x := newExtract(t, w, cat, recs, snap, into)
	good := x.Streams
	x.Streams = &failingStreams{Streams: good, left: 4}
	if err := x.Paths(w.ctx, []string{"/me"}); !errors.Is(err, errPartGone) {
		t.Fatalf("restore --path with a part gone gave %v", err)
	}
	if _, err := os.Lstat(filepath.Join(into, snap)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed restore --path left %s (%v)", filepath.Join(into, snap), err)
	}
	x.Streams = good
	if err := x.Paths(w.ctx, []string{"/me"}); err != nil {
		t.Fatalf("running restore --path again: %v", err)
	}
	want := describeTree(t, filepath.Join(w.snapDir, snap, "me"))
	got := describeTree(t, filepath.Join(into, snap, "me"))
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("restore --path run again:\nwant\n%s\ngot\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	requireOnly(t, into, snap)
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(into, snap, "me", "sparse.img"), &st); err != nil || st.Size != 64<<20 || st.Blocks*512 > 1<<20 {
		t.Errorf("the sparse file came back as %d bytes in %d blocks (%v), want 64 MiB in a few", st.Size, st.Blocks, err)
	}
	if err := x.Paths(w.ctx, []string{"/me"}); !errs.IsUser(err) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("a third run gave %v, want a refusal", err)
	}
}

// A run interrupted between renaming one path into place and the next:
// the run after takes the one placed as done (its journal says so) and
// restores the other; a path the user made is never taken as done.
func TestExtractResumesAfterPlacingSome(t *testing.T) {
	w, cat, recs, snap := extractWorld(t)
	into := t.TempDir()
	x := newExtract(t, w, cat, recs, snap, into)
	if err := x.Paths(w.ctx, []string{"/me/notes.txt"}); err != nil {
		t.Fatal(err)
	}
	// What an interrupted run of --path /me/notes.txt --path /me/photos
	// leaves: notes.txt renamed into place and noted but not finished
	// (its staging mode and time), photos staged.
	notes := filepath.Join(into, snap, "me", "notes.txt")
	must(t, os.Chmod(notes, 0o600))
	must(t, os.Chtimes(notes, time.Now(), time.Now()))
	stage := filepath.Join(into, restore.StagingPaths(snap))
	if err := os.MkdirAll(filepath.Join(stage, "tree", "me", "photos"), 0o700); err != nil {
		t.Fatal(err)
	}
	placed := "me/notes.txt\x00" + inodeOf(t, notes) + "\x00"
	if err := os.WriteFile(filepath.Join(stage, "placed"), []byte(placed), 0o600); err != nil {
		t.Fatal(err)
	}
	x = newExtract(t, w, cat, recs, snap, into)
	if err := x.Paths(w.ctx, []string{"/me/notes.txt", "/me/photos"}); err != nil {
		t.Fatalf("running the interrupted restore again: %v", err)
	}
	for _, p := range []string{"photos", "notes.txt"} {
		want := describeTree(t, filepath.Join(w.snapDir, snap, "me", p))
		got := describeTree(t, filepath.Join(into, snap, "me", p))
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Fatalf("%s:\nwant\n%s\ngot\n%s", p, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	}
	requireOnly(t, into, snap)
	// The user's own file, with a journal that does not name it.
	if err := os.WriteFile(filepath.Join(into, snap, "me", "suid"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(stage, "tree"), 0o700)
	os.WriteFile(filepath.Join(stage, "placed"), []byte(placed), 0o600)
	if err := x.Paths(w.ctx, []string{"/me/suid"}); !errs.IsUser(err) {
		t.Errorf("restoring over the user's file gave %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(filepath.Join(into, snap, "me", "suid")); string(b) != "mine" {
		t.Errorf("the user's file now holds %q", b)
	}
}

// newExtract restores snap's paths into the directory into, as root,
// reading the parts through the catalog.
func newExtract(t *testing.T, w *world, cat *restore.Catalog, recs []*manifest.Record, snap, into string) *restore.Extract {
	t.Helper()
	tree, err := cat.Tree(w.ctx, host, recs, snap)
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(into)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &restore.Extract{Tree: tree, Streams: restore.NewPartStreams(cat, host, recs), Into: root, Name: snap, AsRoot: true}
}

// inodeOf is "DEV:INO" of file, as the placed journal notes it.
func inodeOf(t *testing.T, file string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(file, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}

// A local user who can create the --to directory before root restores
// into it plants a staging, a journal naming a path and a file of their
// own at that path: root must not take the file as restored, nor give it
// the backup's owner and set-user-ID mode. The same journal written by
// root but naming another inode than the one it staged counts for nothing.
func TestExtractRefusesAPlantedJournal(t *testing.T) {
	w, cat, recs, snap := extractWorld(t)
	into := t.TempDir()
	must(t, os.Chmod(into, 0o777))
	stage := filepath.Join(into, restore.StagingPaths(snap))
	planted := filepath.Join(into, snap, "me", "suid")
	must(t, os.MkdirAll(stage, 0o700))
	must(t, os.MkdirAll(filepath.Dir(planted), 0o755))
	must(t, os.WriteFile(planted, []byte("the attacker's binary"), 0o755))
	must(t, os.WriteFile(filepath.Join(stage, "placed"), []byte("me/suid\x00"+inodeOf(t, planted)+"\x00"), 0o600))
	for _, p := range []string{stage, filepath.Join(stage, "placed"), filepath.Join(into, snap), filepath.Dir(planted), planted} {
		must(t, os.Lchown(p, 1000, 1000))
	}
	x := newExtract(t, w, cat, recs, snap, into)
	err := x.Paths(w.ctx, []string{"/me/suid"})
	if !errs.IsUser(err) || !strings.Contains(err.Error(), "not made by this user") {
		t.Fatalf("a planted staging gave %v, want it refused", err)
	}
	requireUntouched := func() {
		t.Helper()
		var st unix.Stat_t
		must(t, unix.Lstat(planted, &st))
		if st.Uid != 1000 || st.Mode&(unix.S_ISUID|unix.S_ISGID) != 0 {
			t.Fatalf("the planted file is now uid %d mode %o", st.Uid, st.Mode)
		}
	}
	requireUntouched()
	// Root's own staging and journal, but the journal's inode is not the file's.
	for _, p := range []string{stage, filepath.Join(stage, "placed")} {
		must(t, os.Lchown(p, 0, 0))
	}
	must(t, os.WriteFile(filepath.Join(stage, "placed"), []byte("me/suid\x001:1\x00"), 0o600))
	err = x.Paths(w.ctx, []string{"/me/suid"})
	if !errs.IsUser(err) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a journal naming another inode gave %v, want the path refused as the user's", err)
	}
	requireUntouched()
}

// Without root, owners stay the user's, so set-user-ID and set-group-ID
// bits are cleared (as cp -p does), and the count of owners left is given.
func TestExtractNotRootClearsSetuid(t *testing.T) {
	w, cat, recs, snap := extractWorld(t)
	into := t.TempDir()
	x := newExtract(t, w, cat, recs, snap, into)
	x.AsRoot = false
	if err := x.Paths(w.ctx, []string{"/me/suid", "/me/notes.txt"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(into, snap, "me", "suid"))
	if err != nil || fi.Mode() != 0o755 {
		t.Errorf("a setuid file of uid 1000 restored without root is %v (%v), want -rwxr-xr-x", fi.Mode(), err)
	}
	if x.OwnersLeft != 1 {
		t.Errorf("owners left: %d, want 1 (/me/suid)", x.OwnersLeft)
	}
}

// requireOnly fails unless into holds nothing but snap: no staging left.
func requireOnly(t *testing.T, into, snap string) {
	t.Helper()
	ents, err := os.ReadDir(into)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != snap {
		t.Errorf("%s holds %v, want only %s", into, ents, snap)
	}
}
