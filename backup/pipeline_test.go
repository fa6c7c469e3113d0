package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/memstore"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

var _ Store = (*memstore.Store)(nil)

// The unit tests of the pipeline feed it a real `btrfs send` stream from
// testdata, cut into parts of 4 KiB, and store them in memory: what a push
// does between btrfs send and the record, without root or a remote.
const (
	testPartSize = 4096
	testSnapshot = "home.20261110T020000Z"
)

type pipeline struct {
	t      *testing.T
	p      *Pusher
	store  *memstore.Store
	id     *age.X25519Identity
	stream []byte
}

func newPipeline(t *testing.T, workers int) *pipeline {
	t.Helper()
	stream, err := os.ReadFile("../testdata/streams/small-v1-full.stream")
	if err != nil {
		t.Fatal(err)
	}
	id, sealer := cryptotest.Keys(t)
	st := memstore.New()
	p := &Pusher{Host: "desk", ToolVersion: "test", Store: st, Sealer: sealer, Recipients: []age.Recipient{id.Recipient()},
		State: State{Dir: t.TempDir()}, PartSize: testPartSize, Workers: workers, Transfers: workers}
	return &pipeline{t: t, p: p, store: st, id: id, stream: stream}
}

// journal is the journal of a fresh push of testSnapshot, as Push makes it.
func (pl *pipeline) journal() *pushJournal {
	pl.t.Helper()
	j := newJournal(pl.p.State, "desk", "home", testSnapshot, "", false, testPartSize, t0)
	if err := j.save(); err != nil {
		pl.t.Fatal(err)
	}
	return j
}

// reloaded is the journal as the next run reads it from state_dir.
func (pl *pipeline) reloaded() *pushJournal {
	pl.t.Helper()
	j, err := loadJournal(pl.p.State, "desk", "home")
	if err != nil || j == nil {
		pl.t.Fatalf("journal after the run: %v, %v", j, err)
	}
	return j
}

func (pl *pipeline) run(j *pushJournal) (*streamSummary, []manifest.Part, error) {
	return pl.p.cutAndStore(context.Background(), bytes.NewReader(pl.stream), home, j)
}

// chunk is part i of the stream, cut by hand.
func (pl *pipeline) chunk(i int) []byte {
	return pl.stream[i*testPartSize : min((i+1)*testPartSize, len(pl.stream))]
}

func (pl *pipeline) parts() int { return (len(pl.stream) + testPartSize - 1) / testPartSize }

func partName(i int) string {
	return fmt.Sprintf("desk/home/%s/part-%06d.zst.age", testSnapshot, i)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// requireStored checks that the store holds exactly the stream's parts,
// each decrypting to its chunk, and that parts describes them.
func (pl *pipeline) requireStored(parts []manifest.Part) {
	pl.t.Helper()
	var want []string
	for i := range pl.parts() {
		want = append(want, partName(i))
	}
	if got := pl.store.Names(); !slices.Equal(got, want) {
		pl.t.Fatalf("stored objects %v, want %v", got, want)
	}
	if len(parts) != pl.parts() {
		pl.t.Fatalf("%d parts described, want %d", len(parts), pl.parts())
	}
	for i, part := range parts {
		sealed, err := pl.store.ReadAll(context.Background(), partName(i))
		if err != nil {
			pl.t.Fatal(err)
		}
		plain := pl.open(sealed)
		want := manifest.Part{Index: i, PlainBytes: int64(len(pl.chunk(i))), PlainSHA256: hexSHA256(pl.chunk(i)),
			StoredBytes: int64(len(sealed)), StoredSHA256: hexSHA256(sealed)}
		if part != want || !bytes.Equal(plain, pl.chunk(i)) {
			pl.t.Errorf("part %d: described %+v, want %+v; its plaintext matches its chunk: %v", i, part, want, bytes.Equal(plain, pl.chunk(i)))
		}
	}
}

func (pl *pipeline) open(sealed []byte) []byte {
	pl.t.Helper()
	r, err := crypto.NewOpener([]age.Identity{pl.id}).Open(bytes.NewReader(sealed))
	if err != nil {
		pl.t.Fatal(err)
	}
	defer r.Close()
	plain, err := io.ReadAll(r)
	if err != nil {
		pl.t.Fatal(err)
	}
	return plain
}

func TestCutAndStoreStoresEveryPart(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			t.Parallel()
			pl := newPipeline(t, workers)
			sum, parts, err := pl.run(pl.journal())
			if err != nil {
				t.Fatal(err)
			}
			pl.requireStored(parts)
			if sum.Bytes != int64(len(pl.stream)) || sum.SHA256 != hexSHA256(pl.stream) || sum.UUID == "" {
				t.Errorf("summary %+v, want %d bytes with sha256 %s and the subvolume's UUID", sum, len(pl.stream), hexSHA256(pl.stream))
			}
			if got := pl.reloaded().Parts; !slices.Equal(got, parts) {
				t.Errorf("journal lists %v, want every stored part %v", got, parts)
			}
		})
	}
}

// A damaged stream is never described as complete: the push must not
// commit it, whatever parts it stored on the way.
func TestCutAndStoreRefusesDamagedStream(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func([]byte) []byte
	}{
		{"a flipped byte", func(s []byte) []byte { s = bytes.Clone(s); s[5000] ^= 0x01; return s }},
		{"cut short", func(s []byte) []byte { return s[:len(s)-100] }},
		{"garbage", func(s []byte) []byte { return bytes.Repeat([]byte("not a send stream "), 300) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl := newPipeline(t, 2)
			pl.stream = tt.damage(pl.stream)
			sum, _, err := pl.run(pl.journal())
			if !errors.Is(err, errDamagedStream) || sum != nil {
				t.Fatalf("got %+v, %v; want errDamagedStream", sum, err)
			}
		})
	}
}

// recordingStore fails the upload of one part, and notes which parts
// were uploaded: what an interrupted push leaves, and what its resume does.
type recordingStore struct {
	Store
	mu       sync.Mutex
	failPart int // -1: none
	uploaded []int
}

func (r *recordingStore) PutSHA256(ctx context.Context, name string, src io.ReaderAt, size int64, sha256Hex string) (remote.Checked, error) {
	_, _, _, file, _ := remote.ParsePath(name)
	i, _ := remote.ParsePartFile(file)
	if i == r.failPart {
		return remote.Checked{}, errors.New("injected fault: connection lost")
	}
	checked, err := r.Store.PutSHA256(ctx, name, src, size, sha256Hex)
	if err != nil {
		return checked, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.uploaded = append(r.uploaded, i)
	return checked, nil
}

// A push interrupted mid-upload is resumed by uploading only what is not
// already stored intact: the parts its journal lists are reused when the
// remote still holds them unchanged, and uploaded again otherwise.
func TestResumeUploadsOnlyWhatIsMissing(t *testing.T) {
	for _, tt := range []struct {
		name   string
		damage func(*memstore.Store)
		want   []int // uploaded by the resume
	}{
		{"parts intact", func(*memstore.Store) {}, []int{2}},
		{"part 1 damaged meanwhile", func(s *memstore.Store) { s.Corrupt(partName(1), -1) }, []int{1, 2}},
		{"part 0 lost meanwhile", func(s *memstore.Store) { s.Delete(context.Background(), partName(0)) }, []int{0, 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pl := newPipeline(t, 1)
			st := pl.store
			pl.p.Store = &recordingStore{Store: st, failPart: 2}
			if _, _, err := pl.run(pl.journal()); err == nil {
				t.Fatal("the push went through an injected fault")
			}
			requireNoSpoolFiles(t, pl.p.State.spoolDir())
			tt.damage(st)

			resumed := &recordingStore{Store: st, failPart: -1}
			pl.p.Store = resumed
			var hooked []int
			pl.p.TestHook = func(_ context.Context, at Checkpoint, part int) {
				if at == BeforePart {
					hooked = append(hooked, part) // one worker: no lock needed
				}
			}
			_, parts, err := pl.run(pl.reloaded())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(resumed.uploaded, tt.want) || !slices.Equal(hooked, tt.want) {
				t.Errorf("resume uploaded parts %v (checkpoints at %v), want %v", resumed.uploaded, hooked, tt.want)
			}
			pl.requireStored(parts)
		})
	}
}

// lostLease is a remote lock another run won while this one worked.
type lostLease struct{}

func (lostLease) Confirm(context.Context) error {
	return &remote.LockedError{Name: "desk/locks/home.lock", Holder: "other-desk pid 1"}
}
func (lostLease) Release(context.Context) error { return nil }

// A push killed after it journaled its record is committed by the next
// one without sending again, but only while its remote lock is its own.
func TestResumeCommitsAJournaledRecord(t *testing.T) {
	for _, tt := range []struct {
		name      string
		lease     remote.Lease
		committed bool
	}{
		{"lock held", mustAcquire(t), true},
		{"lock lost", lostLease{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pl := newPipeline(t, 2)
			j := pl.journal()
			sum, parts, err := pl.run(j)
			if err != nil {
				t.Fatal(err)
			}
			j.Stream, j.Parts = sum, parts
			rec, err := pl.p.record(home, j, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec.Committed = t0
			if j.Record, err = manifest.EncodeRecord(rec); err != nil {
				t.Fatal(err)
			}
			if err := j.save(); err != nil {
				t.Fatal(err)
			}

			err = pl.p.resume(context.Background(), home, tt.lease)
			recordName := fmt.Sprintf("desk/home/%s/record.json.age", testSnapshot)
			_, statErr := pl.store.Stat(context.Background(), recordName)
			if !tt.committed {
				if err == nil || !strings.Contains(err.Error(), "not committed") || statErr == nil {
					t.Fatalf("with the lock lost: err %v, record stored: %v; want not committed", err, statErr == nil)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := pl.store.ReadAll(context.Background(), recordName)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := crypto.Decrypt([]age.Identity{pl.id}, sealed)
			if err != nil {
				t.Fatal(err)
			}
			got, err := manifest.DecodeRecord(plain)
			if err != nil {
				t.Fatal(err)
			}
			if got.Snapshot != testSnapshot || got.StreamSHA256 != hexSHA256(pl.stream) || len(got.Parts) != pl.parts() {
				t.Errorf("committed record %+v does not describe the stream", got)
			}
			if j, _ := loadJournal(pl.p.State, "desk", "home"); j != nil {
				t.Error("the journal is still there after the commit")
			}
			if recs, _ := pl.p.State.Records("desk", "home"); len(recs) != 1 || recs[0].Snapshot != testSnapshot {
				t.Errorf("state_dir has records %v, want the committed one", recs)
			}
		})
	}
}

func mustAcquire(t *testing.T) remote.Lease {
	t.Helper()
	lease, err := memstore.New().Acquire(context.Background(), "desk", "home", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return lease
}
