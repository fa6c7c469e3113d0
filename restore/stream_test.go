package restore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/fallback"
	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/manifest"
)

var _ Store = (*memstore.Store)(nil)

// The unit tests of the restore pipeline's first half (download, open,
// check, in order) store a stream's parts in memory the way a push does,
// sealed with a test key and described by hand; no btrfs, no root.
const testPartSize = 1000

type backupInMemory struct {
	store  *memstore.Store
	cat    *Catalog
	rec    *manifest.Record
	stream []byte
}

func newBackupInMemory(t *testing.T, parts int) *backupInMemory {
	t.Helper()
	n := uint64(time.Now().UnixNano())
	t.Logf("seed %d", n)
	seed := [32]byte{}
	binary.LittleEndian.PutUint64(seed[:], n)
	stream := make([]byte, parts*testPartSize-testPartSize/2) // the last part is short
	rand.NewChaCha8(seed).Read(stream)
	id, sealer := cryptotest.Keys(t)
	b := &backupInMemory{store: memstore.New(), stream: stream}
	b.cat = &Catalog{Store: b.store, Identities: []age.Identity{id}}
	b.rec = &manifest.Record{Host: "desk", Subvolume: "home", Snapshot: "home.20261110T020000Z",
		PlainBytes: int64(len(stream)), StreamSHA256: hexSHA256(stream)}
	for i := range parts {
		plain := b.chunk(i)
		sealed, err := sealer.SealBytes(plain)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.store.Put(t.Context(), partName(i), sealed); err != nil {
			t.Fatal(err)
		}
		b.rec.Parts = append(b.rec.Parts, manifest.Part{Index: i, PlainBytes: int64(len(plain)), PlainSHA256: hexSHA256(plain),
			StoredBytes: int64(len(sealed)), StoredSHA256: hexSHA256(sealed)})
	}
	return b
}

func (b *backupInMemory) chunk(i int) []byte {
	return b.stream[i*testPartSize : min((i+1)*testPartSize, len(b.stream))]
}

func partName(i int) string {
	return fmt.Sprintf("desk/home/home.20261110T020000Z/part-%06d.zst.age", i)
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestWriteStreamInOrder(t *testing.T) {
	for _, ahead := range []int{1, 2, 8} {
		t.Run(fmt.Sprintf("ahead=%d", ahead), func(t *testing.T) {
			t.Parallel()
			b := newBackupInMemory(t, 6)
			var out bytes.Buffer
			if err := b.cat.writeStream(t.Context(), b.rec, &out, ahead, fallback.Progress(nil)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), b.stream) {
				t.Errorf("wrote %d bytes that differ from the %d of the stream", out.Len(), len(b.stream))
			}
		})
	}
}

// Restore stops at the first bad part, having written only what precedes
// it, and names the part and what is wrong with it.
func TestWriteStreamStopsAtTheFirstBadPart(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(*backupInMemory)
		bad    int
		want   string
	}{
		{"damaged", func(b *backupInMemory) { b.store.Corrupt(partName(2), -1) }, 2, ""},
		{"missing", func(b *backupInMemory) { b.store.Delete(context.Background(), partName(3)) }, 3, "missing from the remote"},
		{"another part's object", func(b *backupInMemory) { b.swap(1, 4) }, 1, "the record says"},
		{"plaintext not the recorded one", func(b *backupInMemory) { b.rec.Parts[2].PlainSHA256 = hexSHA256(nil) }, 2, "decrypted sha256"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBackupInMemory(t, 6)
			tt.damage(b)
			var out bytes.Buffer
			err := b.cat.writeStream(t.Context(), b.rec, &out, 4, fallback.Progress(nil))
			var pe *PartError
			if !errors.As(err, &pe) || pe.Object != partName(tt.bad) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a PartError about %s saying %q", err, partName(tt.bad), tt.want)
			}
			if !bytes.Equal(out.Bytes(), b.stream[:tt.bad*testPartSize]) {
				t.Errorf("wrote %d bytes before the bad part, want exactly the %d of the good parts before it", out.Len(), tt.bad*testPartSize)
			}
		})
	}
}

// The parts can each be intact and still not be the stream the record
// names (a record from another backup): the whole stream's sha256 says so.
func TestWriteStreamChecksTheWholeStream(t *testing.T) {
	b := newBackupInMemory(t, 3)
	b.rec.StreamSHA256 = hexSHA256([]byte("another stream"))
	err := b.cat.writeStream(t.Context(), b.rec, io.Discard, 2, fallback.Progress(nil))
	if err == nil || !strings.Contains(err.Error(), "the stream's sha256") {
		t.Fatalf("got %v, want the stream's sha256 refused", err)
	}
}

// swap puts part i's object under part j's name: a valid object, sealed
// to the right key, that is not the part the record describes.
func (b *backupInMemory) swap(i, j int) {
	data, err := b.store.ReadAll(context.Background(), partName(j))
	if err != nil {
		panic(err)
	}
	if err := b.store.Put(context.Background(), partName(i), data); err != nil {
		panic(err)
	}
}

// Verify goes on past a bad part to name them all.
func TestFetchPartsHandsOnEveryFailure(t *testing.T) {
	b := newBackupInMemory(t, 6)
	b.store.Corrupt(partName(1), 10)
	b.store.Delete(t.Context(), partName(4))
	var good, bad []int
	err := b.cat.fetchParts(t.Context(), b.rec, b.rec.Parts, 3, func(p manifest.Part, data []byte, err error) error {
		if err != nil {
			bad = append(bad, p.Index)
			return nil
		}
		if !bytes.Equal(data, b.chunk(p.Index)) {
			t.Errorf("part %d: wrong data", p.Index)
		}
		good = append(good, p.Index)
		return nil
	})
	if err != nil || !slices.Equal(good, []int{0, 2, 3, 5}) || !slices.Equal(bad, []int{1, 4}) {
		t.Errorf("got good %v, bad %v, err %v; want good [0 2 3 5], bad [1 4], no error", good, bad, err)
	}
}

// stallingStore lets part 0 through and holds every other download until
// its context ends, counting the downloads in flight and saying when one
// stalls.
type stallingStore struct {
	Store
	inFlight atomic.Int32
	stalled  chan int
}

func (s *stallingStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if name != partName(0) {
		s.stalled <- 1
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return s.Store.Open(ctx, name)
}

// When restore stops, its read-ahead downloads stop with it: none outlives
// fetchParts.
func TestFetchPartsLeavesNoDownloadBehind(t *testing.T) {
	const ahead = 4
	b := newBackupInMemory(t, 6)
	st := &stallingStore{Store: b.store, stalled: make(chan int, 6)}
	b.cat.Store = st
	stop := errors.New("stop after part 0")
	err := b.cat.fetchParts(t.Context(), b.rec, b.rec.Parts, ahead, func(manifest.Part, []byte, error) error {
		for range ahead - 1 { // parts 1 to 3 are being downloaded ahead
			<-st.stalled
		}
		return stop
	})
	if !errors.Is(err, stop) {
		t.Fatalf("got %v, want %v", err, stop)
	}
	if n := st.inFlight.Load(); n != 0 {
		t.Errorf("%d downloads still running after fetchParts returned", n)
	}
}

// Hosts are the host folders (listed one level deep); a host's subvolumes
// are those with a committed record.
func TestCatalogListsHostsAndSubvolumes(t *testing.T) {
	b := newBackupInMemory(t, 1)
	ctx := t.Context()
	for _, name := range []string{
		"argo-backup.json",
		"desk/home/home.20261110T020000Z/record.json.age",
		"desk/root/root.20261110T020000Z/record.json.age",
		"desk/var/var.20261110T020000Z/part-000000.zst.age", // unfinished: no record
		"desk/locks/home.lock",
		"laptop/home/home.20261111T020000Z/record.json.age",
		"keys/desk.identity.age",
		"nas/home/home.20261111T020000Z/part-000000.zst.age",
	} {
		if err := b.store.Put(ctx, name, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	hosts, err := b.cat.Hosts(ctx)
	if err != nil || !slices.Equal(hosts, []string{"desk", "laptop", "nas"}) { // every host folder, not keys
		t.Errorf("Hosts = %v, %v; want [desk laptop nas]", hosts, err)
	}
	subvols, err := b.cat.Subvolumes(ctx, "desk")
	if err != nil || !slices.Equal(subvols, []string{"home", "root"}) {
		t.Errorf("Subvolumes(desk) = %v, %v; want [home root]", subvols, err)
	}
	if none, err := b.cat.Subvolumes(ctx, "elsewhere"); err != nil || len(none) != 0 {
		t.Errorf("Subvolumes(elsewhere) = %v, %v; want none", none, err)
	}
}
