package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/btrfs"
	"github.com/argo-backup/argo-backup/btrfs/btrfstest"
	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/manifest"
)

// checkpointLog notes each checkpoint a push passes and whether the fleet
// lock was held there.
type checkpointLog struct {
	mu       sync.Mutex
	store    *memstore.Store
	seen     []string
	unlocked []string
}

func (c *checkpointLog) hook(_ context.Context, at Checkpoint, part int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := string(at)
	if at == BeforePart {
		name = fmt.Sprintf("%s %d", at, part)
	}
	c.seen = append(c.seen, name)
	if !c.store.Locked("desk", "home") {
		c.unlocked = append(c.unlocked, name)
	}
}

func (c *checkpointLog) take() (seen, unlocked []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen, unlocked, c.seen, c.unlocked = c.seen, c.unlocked, nil, nil
	return seen, unlocked
}

// A full push then an incremental, on a real btrfs with the remote in
// memory: each passes every checkpoint in order with the fleet lock held,
// releases it, and commits a record whose parts hold the stream it
// describes, sent from the snapshot it names.
func TestPushCommitsAChain(t *testing.T) {
	btrfstest.NoLeftovers(t)
	mnt := btrfstest.NewFS(t, 1<<30, "")
	src := btrfstest.Subvolume(t, mnt, "@home")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	id, sealer := cryptotest.Keys(t)
	st := memstore.New()
	log := &checkpointLog{store: st}
	clock := t0
	p := &Pusher{Host: "desk", ToolVersion: "test", Store: st, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		State: State{Dir: t.TempDir()}, PartSize: 64 << 10, Workers: 1, Transfers: 1, TestHook: log.hook,
		Now: func() time.Time { return clock }}
	sv := Subvolume{Name: "home", Path: src, SnapshotDir: filepath.Join(mnt, "snapshots"), KeepLocal: 10}

	var parent *manifest.Record
	for round := range 2 {
		data := make([]byte, 100<<10+rng.IntN(100<<10)) // two to four parts of new data
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("file-%d", round)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(time.Hour)
		rec, err := p.Push(t.Context(), sv, false)
		if err != nil {
			t.Fatalf("push %d: %v", round, err)
		}
		seen, unlocked := log.take()
		want := []string{"before-snapshot", "after-snapshot"}
		for i := range rec.Parts {
			want = append(want, fmt.Sprintf("before-part %d", i))
		}
		want = append(want, "before-record", "after-record")
		if !slices.Equal(seen, want) || len(unlocked) > 0 {
			t.Errorf("push %d passed %v, without the lock at %v; want %v, all locked", round, seen, unlocked, want)
		}
		if st.Locked("desk", "home") {
			t.Errorf("push %d did not release the fleet lock", round)
		}
		requireCommitted(t, st, id, sv, rec, parent)
		parent = rec
	}
}

// requireCommitted checks rec against what is on the remote and the disk:
// its record object, its parts (in order, they are the stream it names),
// its snapshot's UUID and its parent.
func requireCommitted(t *testing.T, st *memstore.Store, id age.Identity, sv Subvolume, rec, parent *manifest.Record) {
	t.Helper()
	ctx := t.Context()
	dir := fmt.Sprintf("desk/home/%s/", rec.Snapshot)
	sealed, err := st.ReadAll(ctx, dir+"record.json.age")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := crypto.Decrypt([]age.Identity{id}, sealed)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := manifest.DecodeRecord(plain)
	if err != nil || stored.Snapshot != rec.Snapshot || stored.StreamSHA256 != rec.StreamSHA256 {
		t.Fatalf("the record on the remote (%v) is not the one returned", err)
	}
	var stream bytes.Buffer
	for i := range rec.Parts {
		sealed, err := st.ReadAll(ctx, fmt.Sprintf("%spart-%06d.zst.age", dir, i))
		if err != nil {
			t.Fatal(err)
		}
		r, err := crypto.NewOpener([]age.Identity{id}).Open(bytes.NewReader(sealed))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.ReadFrom(r); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		r.Close()
	}
	sum := sha256.Sum256(stream.Bytes())
	if hex.EncodeToString(sum[:]) != rec.StreamSHA256 || int64(stream.Len()) != rec.PlainBytes {
		t.Errorf("%s: the parts hold %d bytes that are not the stream the record names", rec.Snapshot, stream.Len())
	}
	info, err := btrfs.Info(filepath.Join(sv.SnapshotDir, rec.Snapshot))
	if err != nil {
		t.Fatal(err)
	}
	if rec.UUID != info.UUID {
		t.Errorf("%s: record UUID %s, the snapshot's is %s", rec.Snapshot, rec.UUID, info.UUID)
	}
	switch {
	case parent == nil && rec.Parent != "":
		t.Errorf("%s: the first backup has parent %s, want a full", rec.Snapshot, rec.Parent)
	case parent != nil && (rec.Parent != parent.Snapshot || rec.ParentUUID != parent.UUID || rec.Depth != parent.Depth+1):
		t.Errorf("%s: parent %s (%s, depth %d), want incremental on %s", rec.Snapshot, rec.Parent, rec.ParentUUID, rec.Depth, parent.Snapshot)
	}
}
