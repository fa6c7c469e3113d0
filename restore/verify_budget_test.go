package restore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/argo-backup/argo-backup/crypto"
	"github.com/argo-backup/argo-backup/crypto/cryptotest"
	"github.com/argo-backup/argo-backup/internal/testing/drivefake"
	"github.com/argo-backup/argo-backup/internal/testing/remotetest"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// budgetWorld is a local-directory remote holding, for two subvolumes, a
// chain of backups of a few parts each, made without btrfs: a budgeted
// verify checks parts, not streams.
type budgetWorld struct {
	t      *testing.T
	dir    string
	v      *Verifier
	st     *remote.Store
	sizes  map[string]int64 // every part's object name and stored size, as written
	reads  *readCounter
	clock  time.Time
	logs   map[string]*manifest.CheckLog
	subvol []string
	signer *crypto.Signer // the host's, certified by the identity
}

// budgetHost is the host whose backups the budget tests verify.
const budgetHost = "desk"

func newBudgetWorld(t *testing.T, seed uint64) *budgetWorld {
	t.Helper()
	dir := t.TempDir()
	return newBudgetWorldAt(t, seed, dir, dir)
}

// newBudgetWorldAt is newBudgetWorld on the remote spec, whose objects are
// stored in the local directory dir.
func newBudgetWorldAt(t *testing.T, seed uint64, spec, dir string) *budgetWorld {
	t.Helper()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := crypto.NewSealer([]age.Recipient{id.Recipient()}, 1)
	if err != nil {
		t.Fatal(err)
	}
	st, err := remote.Open(context.Background(), spec, remote.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := &budgetWorld{t: t, dir: dir, sizes: map[string]int64{}, subvol: []string{"home", "root"},
		clock: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), logs: map[string]*manifest.CheckLog{}}
	w.reads = &readCounter{Store: st, seen: map[string]int{}, world: w}
	w.v = &Verifier{Restorer: Restorer{Catalog: Catalog{Store: w.reads, Identities: []age.Identity{id}}}}
	w.st = st
	w.signer = cryptotest.Signer(t, id, budgetHost)
	for _, subvol := range w.subvol {
		var parent *manifest.Record
		for i := range 4 {
			parent = w.store(rng, sealer, id, subvol, parent, i)
		}
	}
	return w
}

// store writes one backup of 3 to 5 parts of random, incompressible bytes.
func (w *budgetWorld) store(rng *rand.Rand, sealer *crypto.Sealer, id *age.X25519Identity, subvol string, parent *manifest.Record, i int) *manifest.Record {
	ctx := context.Background()
	created := w.clock.Add(time.Duration(i-10) * 24 * time.Hour)
	rec := &manifest.Record{Format: 1, Host: budgetHost, Subvolume: subvol, Snapshot: manifest.SnapshotName(subvol, created),
		UUID: fmt.Sprintf("%s-uuid-%d", subvol, i), Created: created, Committed: created, SendProto: 2, PartSize: 8 << 10,
		StreamSHA256: strings.Repeat("ab", 32)}
	if parent != nil {
		rec.Parent, rec.ParentUUID, rec.Depth = parent.Snapshot, parent.UUID, parent.Depth+1
	}
	for p := range 3 + rng.IntN(3) {
		plain := make([]byte, 1+rng.IntN(8<<10))
		for j := range plain {
			plain[j] = byte(rng.Uint32())
		}
		if p < 2 { // all but the last part are whole
			plain = append(plain, make([]byte, 8<<10-len(plain))...)
		}
		sealed, err := sealer.SealBytes(plain)
		must(w.t, err)
		name := remote.PartName(budgetHost, subvol, rec.Snapshot, p)
		must(w.t, w.st.Put(ctx, name, sealed))
		w.sizes[name] = int64(len(sealed))
		ps, ss := sha256.Sum256(plain), sha256.Sum256(sealed)
		rec.Parts = append(rec.Parts, manifest.Part{Index: p, PlainBytes: int64(len(plain)), PlainSHA256: hex.EncodeToString(ps[:]),
			StoredBytes: int64(len(sealed)), StoredSHA256: hex.EncodeToString(ss[:])})
		rec.PlainBytes += int64(len(plain))
		rec.StoredBytes += int64(len(sealed))
	}
	data, err := manifest.EncodeRecord(rec)
	must(w.t, err)
	data, err = w.signer.Sign(manifest.SignedRecordType, data)
	must(w.t, err)
	sealed, err := crypto.Encrypt([]age.Recipient{id.Recipient()}, data)
	must(w.t, err)
	must(w.t, w.st.Put(ctx, remote.RecordName(budgetHost, subvol, rec.Snapshot), sealed))
	return rec
}

// readCounter is the remote as the verifier sees it, counting what it
// opens: which objects, and how many bytes in all. Each open moves the
// world's clock on by a minute, for the duration budget.
type readCounter struct {
	Store
	mu    sync.Mutex
	seen  map[string]int
	bytes int64
	world *budgetWorld
}

func (r *readCounter) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := r.Store.Open(ctx, name)
	if err != nil || strings.HasSuffix(name, "/record.json.age") {
		return rc, err // records are read (size-limited) by every verify, not by the budget
	}
	r.mu.Lock()
	r.seen[name]++
	r.world.clock = r.world.clock.Add(time.Minute)
	r.mu.Unlock()
	return &countedReader{ReadCloser: rc, r: r}, nil
}

type countedReader struct {
	io.ReadCloser
	r *readCounter
}

func (c *countedReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.r.mu.Lock()
	c.r.bytes += int64(n)
	c.r.mu.Unlock()
	return n, err
}

// run is one budgeted verify, a day after the last; it returns the report
// and the objects and bytes it read.
func (w *budgetWorld) run(b Budget) (*BudgetReport, map[string]int, int64) {
	w.t.Helper()
	w.clock = w.clock.Add(24 * time.Hour)
	w.reads.seen, w.reads.bytes = map[string]int{}, 0
	rep, err := w.v.VerifyBudget(context.Background(), budgetHost, w.subvol, BudgetOptions{
		Budget: b, Logs: w.logs, Now: func() time.Time { return w.clock }})
	if err != nil {
		w.t.Fatalf("budgeted verify: %v", err)
	}
	return rep, w.reads.seen, w.reads.bytes
}

func (w *budgetWorld) totals() (total, largest int64) {
	for _, n := range w.sizes {
		total += n
		largest = max(largest, n)
	}
	return total, largest
}

func ceilDiv(a, b int64) int { return int((a + b - 1) / b) }

// Repeated runs read every part within the documented number of runs
// (ceil(total / (budget - largest part))), each run stays within its byte
// budget, and coverage reaches 100%.
func TestBudgetCoversEveryPart(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, 15)
	total, largest := w.totals()
	budget := total / 6
	bound := ceilDiv(total, budget-largest)
	t.Logf("%d parts, %d bytes, largest %d, budget %d: every part within %d runs", len(w.sizes), total, largest, budget, bound)
	read := map[string]bool{}
	for run := 1; run <= bound; run++ {
		rep, seen, n := w.run(Budget{Bytes: budget})
		if run == 1 && (rep.Oldest == nil || rep.Oldest.Checked != nil) {
			t.Errorf("after the first run the oldest part should be one never checked: %+v", rep.Oldest)
		}
		if !rep.OK() {
			t.Fatalf("run %d found damage in intact parts: %v", run, rep.Problems)
		}
		if n > budget {
			t.Errorf("run %d read %d bytes, over its budget of %d", run, n, budget)
		}
		for name := range seen {
			if _, ok := w.sizes[name]; !ok {
				t.Errorf("run %d read %s, which is no part", run, name)
			}
			read[name] = true
		}
	}
	for name := range w.sizes {
		if !read[name] {
			t.Errorf("%s was not read in %d runs", name, bound)
		}
	}
	rep, _, _ := w.run(Budget{Bytes: budget})
	if rep.Coverage != 1 || rep.Parts != len(w.sizes) || rep.StoredBytes != total {
		t.Errorf("after a full cycle: coverage %v of %d parts, %d bytes; want 1 of %d parts, %d bytes", rep.Coverage, rep.Parts, rep.StoredBytes, len(w.sizes), total)
	}
	lines := strings.Join(rep.Lines(), "\n")
	if rep.Oldest == nil || rep.Oldest.Checked == nil || !strings.Contains(lines, "coverage: 100.0%") || !strings.Contains(lines, "last read back") {
		t.Errorf("after a full cycle the report says:\n%s", lines)
	}
}

// A part damaged right after it was checked (the worst case) is found and
// named within the bound; a truncated one on the very next run, from the
// listing, without a download.
func TestBudgetFindsDamage(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, 16)
	total, largest := w.totals()
	budget := total / 5
	_, seen, _ := w.run(Budget{Bytes: budget})
	var victim string
	for name := range seen {
		victim = name
	}
	flipByte(t, filepath.Join(w.dir, filepath.FromSlash(victim)))
	found := 0
	for run := 1; run <= ceilDiv(total, budget-largest) && found == 0; run++ {
		rep, _, _ := w.run(Budget{Bytes: budget})
		if named(rep, victim, "") {
			t.Logf("run %d: %v", run, rep.Problems)
			found = run
			if want := 1 - float64(w.sizes[victim])/float64(total); rep.Coverage > want+1e-9 {
				t.Errorf("coverage %.4f next to a damaged part, want at most %.4f: a damaged part is not covered", rep.Coverage, want)
			}
		}
	}
	if found == 0 {
		t.Fatalf("a flipped byte in %s was not found within %d runs", victim, ceilDiv(total, budget-largest))
	}
	var other string
	for name := range w.sizes {
		if name != victim {
			other = name
			break
		}
	}
	must(t, os.Truncate(filepath.Join(w.dir, filepath.FromSlash(other)), 10))
	rep, seen, _ := w.run(Budget{Bytes: budget})
	if !named(rep, other, "stored size is 10 bytes") || seen[other] > 0 {
		t.Errorf("truncated %s: reported %v, read %d times; want it named from the listing, unread", other, rep.Problems, seen[other])
	}
}

// On S3, whose listing has an md5 (the ETag) but no sha256, a part changed
// in place after it was read back intact is found from the listing alone,
// against the md5 the read-back learnt, without a download.
func TestBudgetS3ListingMD5(t *testing.T) {
	t.Parallel()
	spec, dir := remotetest.S3Dir(t)
	w := newBudgetWorldAt(t, 20, spec, dir)
	_, seen, _ := w.run(Budget{Bytes: 1 << 30})
	if len(seen) != len(w.sizes) {
		t.Fatalf("a budget bigger than the remote read %d of %d parts", len(seen), len(w.sizes))
	}
	var victim string
	for name := range w.sizes {
		victim = name
		break
	}
	flipByte(t, filepath.Join(w.dir, filepath.FromSlash(victim)))
	rep, seen, _ := w.run(Budget{Bytes: 1})
	if !named(rep, victim, "md5") || seen[victim] > 0 {
		t.Errorf("a part changed in place on S3: reported %v, read %d times; want it named from the listing's md5, unread", rep.Problems, seen[victim])
	}
}

// On Google Drive, whose listing has the sha256, a part replaced with
// other bytes of the same size is found from the listing alone.
func TestBudgetDriveListingSHA256(t *testing.T) {
	t.Parallel()
	srv := drivefake.Start(t)
	w := newBudgetWorldAt(t, 21, srv.RemoteSpec("argo-backup"), "")
	var victim string
	for name := range w.sizes {
		victim = name
		break
	}
	data, err := w.st.ReadAll(context.Background(), victim)
	must(t, err)
	data[len(data)/2] ^= 0x40
	must(t, w.st.Put(context.Background(), victim, data))
	rep, seen, _ := w.run(Budget{Bytes: 1})
	if !named(rep, victim, "the remote's sha256") || seen[victim] > 0 {
		t.Errorf("a part replaced on Drive: reported %v, read %d times; want it named from the listing's sha256, unread", rep.Problems, seen[victim])
	}
}

// A duration budget stops starting parts once the (injected) clock says the
// time is up: here each read takes a minute.
func TestBudgetDuration(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, 17)
	_, seen, _ := w.run(Budget{Duration: 5 * time.Minute})
	if len(seen) != 5 {
		t.Errorf("a 5m budget at a minute a part read %d parts, want 5", len(seen))
	}
}

// A check log that is lost or garbage means "nothing checked yet": the run
// works, and starts again from the least recently made backup.
func TestBudgetLostState(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, 18)
	w.run(Budget{Bytes: 1 << 30})
	for _, subvol := range w.subvol {
		w.logs[subvol] = manifest.DecodeCheckLog([]byte("{not json"))
	}
	delete(w.logs, "root")
	rep, seen, _ := w.run(Budget{Bytes: 1 << 30})
	if !rep.OK() || len(seen) != len(w.sizes) || rep.Coverage != 1 {
		t.Errorf("after losing the log: ok %v, read %d of %d parts, coverage %v", rep.OK(), len(seen), len(w.sizes), rep.Coverage)
	}
}

// A subvolume without backups yet is a note, not damage.
func TestBudgetNothingYet(t *testing.T) {
	t.Parallel()
	w := newBudgetWorld(t, 19)
	w.subvol = append(w.subvol, "new")
	rep, _, _ := w.run(Budget{Bytes: 1 << 20})
	if !rep.OK() || !strings.Contains(strings.Join(rep.Notes, "\n"), "new has no backups on the remote yet") {
		t.Errorf("a subvolume without backups: ok %v, notes %q", rep.OK(), rep.Notes)
	}
}

func named(rep *BudgetReport, object, what string) bool {
	for _, p := range rep.Problems {
		if p.Object == object && strings.Contains(p.What, what) {
			return true
		}
	}
	return false
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	must(t, err)
	data[len(data)/2] ^= 0x40
	must(t, os.WriteFile(path, data, 0o600))
}

func TestParseBudget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Budget
		bad  bool
	}{
		{in: "2GiB", want: Budget{Bytes: 2 << 30}},
		{in: "500MB", want: Budget{Bytes: 500_000_000}},
		{in: "20m", want: Budget{Duration: 20 * time.Minute}},
		{in: "1h30m", want: Budget{Duration: 90 * time.Minute}},
		{in: "20", bad: true},
		{in: "0", bad: true},
		{in: "-5m", bad: true},
		{in: "0B", bad: true},
		{in: "lots", bad: true},
		{in: "", bad: true},
	} {
		got, err := ParseBudget(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("ParseBudget(%q) = %+v, %v; want %+v, bad %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}
