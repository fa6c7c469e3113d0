package restore

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// BudgetOptions are the choices of one budgeted verify.
type BudgetOptions struct {
	Budget Budget
	// Logs are the check logs by subvolume, read to order the work and
	// updated with what this run found intact; a missing one is created.
	// The caller keeps them (state_dir).
	Logs map[string]*manifest.CheckLog
	// Now is the clock for the duration budget and the check times; nil:
	// time.Now.
	Now func() time.Time
	// CoverageDays is the window of the coverage figure; 0: 30.
	CoverageDays int
}

func (o *BudgetOptions) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// VerifyBudget checks the backups of host's subvolumes within a budget.
// Every run does the cheap checks first, for every part of every backup:
// the record reads, the chain resolves, and the listing shows the part
// with its size and, where the backend lists one, its hash. Then it
// downloads and checks whole parts, least recently checked first, until
// the budget is spent. Damage is in the report; the error is for what
// stopped the run itself.
func (v *Verifier) VerifyBudget(ctx context.Context, host string, subvols []string, o BudgetOptions) (*BudgetReport, error) {
	start := o.now()
	if o.Logs == nil {
		o.Logs = map[string]*manifest.CheckLog{}
	}
	rep := &BudgetReport{Host: host, Subvolumes: subvols, Budget: o.Budget.String(), CoverageDays: o.CoverageDays}
	if rep.CoverageDays <= 0 {
		rep.CoverageDays = 30
	}
	var stored []manifest.StoredPart
	for _, subvol := range subvols {
		parts, err := v.cheapChecks(ctx, host, subvol, o.log(subvol), rep)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", subvol, err)
		}
		stored = append(stored, parts...)
	}
	manifest.CheckOrder(stored)
	if err := v.readWithin(ctx, stored, &o, start, rep); err != nil {
		return nil, err
	}
	rep.summarize(stored, &o, o.now())
	rep.Seconds = o.now().Sub(start).Seconds()
	return rep, nil
}

func (o *BudgetOptions) log(subvol string) *manifest.CheckLog {
	l := o.Logs[subvol]
	if l == nil {
		l = &manifest.CheckLog{Parts: map[string]manifest.CheckEntry{}}
		o.Logs[subvol] = l
	}
	return l
}

// cheapChecks checks one subvolume from its listing and records alone, and
// returns the parts that passed, to be read within the budget. It forgets
// the log entries of parts no longer stored.
func (v *Verifier) cheapChecks(ctx context.Context, host, subvol string, log *manifest.CheckLog, rep *BudgetReport) ([]manifest.StoredPart, error) {
	inv, err := v.inventory(ctx, host, subvol)
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, inv.notes...)
	if len(inv.records) == 0 && len(inv.unreadable) == 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s has no backups on the remote yet: nothing to check until its first push", subvol))
	}
	for _, c := range inv.unreadable {
		rep.Problems = append(rep.Problems, c.Problems...)
	}
	var ok []manifest.StoredPart
	for _, rec := range inv.records {
		if _, err := manifest.Chain(inv.records, rec.Snapshot); err != nil {
			rep.Problems = append(rep.Problems, brokenChain(host, rec, err))
		}
		for _, sp := range storedObjects(rec) {
			p := sp.Part
			rep.Parts++
			rep.StoredBytes += p.StoredBytes
			if problem, bad := listedProblem(inv.objects, log, sp); bad {
				rep.Problems = append(rep.Problems, problem)
				continue
			}
			if e, found := log.Last(sp.Object, p); found {
				sp.Checked = e.At
			}
			ok = append(ok, sp)
		}
	}
	inScope := map[string]bool{}
	for _, sp := range ok {
		inScope[sp.Object] = true
	}
	log.Keep(func(object string) bool { return inScope[object] })
	return ok, nil
}

// listedProblem compares a part with its listing: present, of the recorded
// size, and of the recorded sha256 (or of the md5 learnt when it was last
// read, for backends that list only an md5).
func listedProblem(objects map[string]remote.Entry, log *manifest.CheckLog, sp manifest.StoredPart) (Problem, bool) {
	e, ok := objects[sp.Object]
	problem := Problem{Snapshot: sp.Record.Snapshot, Object: sp.Object}
	last, checked := log.Last(sp.Object, sp.Part)
	switch {
	case !ok:
		problem.What = "missing from the remote"
	case e.Size != sp.Part.StoredBytes:
		problem.What = fmt.Sprintf("stored size is %d bytes, the record says %d", e.Size, sp.Part.StoredBytes)
	case e.SHA256 != "" && e.SHA256 != sp.Part.StoredSHA256:
		problem.What = fmt.Sprintf("the remote's sha256 is %s, the record says %s", e.SHA256, sp.Part.StoredSHA256)
	case e.SHA256 == "" && e.MD5 != "" && checked && last.MD5 != "" && e.MD5 != last.MD5:
		problem.What = fmt.Sprintf("the remote's md5 is %s, it was %s when the part was last read intact", e.MD5, last.MD5)
	default:
		return Problem{}, false
	}
	return problem, true
}

// readWithin downloads and checks parts in order until the budget is spent.
func (v *Verifier) readWithin(ctx context.Context, ordered []manifest.StoredPart, o *BudgetOptions, start time.Time, rep *BudgetReport) error {
	todo, total := ordered, int64(-1)
	if o.Budget.Duration == 0 {
		todo, total = manifest.PickWithin(ordered, o.Budget.Bytes), 0
		for _, sp := range todo {
			total += sp.Part.StoredBytes
		}
	}
	v.progress().Start("read back within "+o.Budget.String(), total)
	defer v.progress().Finish()
	for _, sp := range todo {
		if o.Budget.Duration > 0 && o.now().Sub(start) >= o.Budget.Duration {
			break
		}
		md5sum, err := v.readStored(ctx, sp)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var unreachable *unreachableError
		if errors.As(err, &unreachable) {
			return unreachable.err
		}
		rep.CheckedParts++
		rep.CheckedBytes += sp.Part.StoredBytes
		v.progress().Add(sp.Part.StoredBytes)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Snapshot: sp.Record.Snapshot, Object: sp.Object, What: err.Error()})
			continue
		}
		o.log(sp.Record.Subvolume).Mark(sp.Object, sp.Part, md5sum, o.now())
	}
	return nil
}

// readStored reads back a part, or a file index.
func (v *Verifier) readStored(ctx context.Context, sp manifest.StoredPart) (string, error) {
	if sp.Part.Index < 0 {
		return v.readIndex(ctx, sp.Record, sp.Object, sp.Part.StoredBytes)
	}
	return v.readPart(ctx, sp)
}

// readPart downloads one part and checks it as a restore would (stored
// size and sha256, authenticated decryption, plaintext size and sha256),
// and returns the stored object's md5 for later listings.
func (v *Verifier) readPart(ctx context.Context, sp manifest.StoredPart) (string, error) {
	rc, err := v.Store.Open(ctx, sp.Object)
	if errors.Is(err, remote.ErrNotFound) {
		return "", errors.New("missing from the remote")
	}
	if err != nil {
		return "", &unreachableError{fmt.Errorf("read %s: %w", sp.Object, err)}
	}
	defer rc.Close()
	if v.free == nil { // parts are read one at a time: one buffer serves all
		v.free = &partFree{}
	}
	md := md5.New()
	plain, err := v.openPart(io.TeeReader(rc, md), sp.Part)
	if err != nil {
		return "", err
	}
	v.free.put(plain)
	return hexSum(md), nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// unreachableError is a part that could not even be opened, for a reason
// other than its absence: the remote is unreachable, which stops the run
// rather than being reported as damage.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
