package restore

import (
	"errors"
	"fmt"
	"sort"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/manifest"
	"github.com/argo-backup/argo-backup/remote"
)

// scope is what one verify checks: the targets the options select and every
// backup their chains need, each with its check.
type scope struct {
	host    string
	order   []*manifest.Record            // to check, oldest first: parents before children
	chains  map[string][]*manifest.Record // each record's chain, full first, itself last
	byName  map[string]*Check
	objects map[string]remote.Entry
}

func (inv *inventory) scope(host, subvol string, o VerifyOptions) (*scope, error) {
	sc := &scope{host: host, chains: map[string][]*manifest.Record{}, byName: map[string]*Check{}, objects: inv.objects}
	for _, c := range inv.unreadable {
		sc.byName[c.Snapshot] = c
	}
	targets, err := inv.targets(host, subvol, o)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		chain, err := manifest.Chain(inv.records, t.Snapshot)
		if err != nil {
			sc.check(t).fail(brokenChain(host, t, err))
			continue
		}
		for i, r := range chain {
			if _, ok := sc.chains[r.Snapshot]; !ok {
				sc.chains[r.Snapshot] = chain[:i+1]
				sc.order = append(sc.order, r)
				sc.check(r)
			}
		}
	}
	sort.SliceStable(sc.order, func(i, j int) bool { return sc.order[i].Created.Before(sc.order[j].Created) })
	return sc, nil
}

// targets are the backups o asks for. A named backup whose record is
// unreadable is no input error: its failed check reports it.
func (inv *inventory) targets(host, subvol string, o VerifyOptions) ([]*manifest.Record, error) {
	if o.All {
		return inv.records, nil
	}
	if o.Snapshot != "" {
		for _, c := range inv.unreadable {
			if c.Snapshot == o.Snapshot {
				return nil, nil
			}
		}
	}
	if len(inv.records) == 0 {
		if len(inv.unreadable) > 0 {
			return nil, nil
		}
		return nil, inputErrorf("no backups of %s from host %s on the remote: check the name with 'argo-backup list' (or --host)", subvol, host)
	}
	t, err := manifest.Select(inv.records, o.Snapshot, timeZero)
	if err != nil {
		return nil, errs.User(err)
	}
	return []*manifest.Record{t}, nil
}

// brokenChain describes a backup whose chain cannot be resolved, naming
// the missing record when that is the cause.
func brokenChain(host string, r *manifest.Record, err error) Problem {
	p := Problem{Snapshot: r.Snapshot, What: "chain broken: " + err.Error()}
	var broken *manifest.BrokenChainError
	if errors.As(err, &broken) {
		p.Object = remote.RecordName(host, r.Subvolume, broken.MissingParent)
		p.What = fmt.Sprintf("cannot be restored: it needs %s, whose record is missing or unreadable", broken.MissingParent)
	}
	return p
}

// check returns r's check, making it on first use.
func (sc *scope) check(r *manifest.Record) *Check {
	c, ok := sc.byName[r.Snapshot]
	if !ok {
		c = &Check{Snapshot: r.Snapshot, Parts: len(r.Parts), PlainBytes: r.PlainBytes, StoredBytes: r.StoredBytes}
		sc.byName[r.Snapshot] = c
	}
	return c
}

// propagate marks every backup whose chain holds a damaged backup: it
// cannot be restored, whatever the state of its own objects.
func (sc *scope) propagate(quick bool) {
	for _, r := range sc.order {
		chain := sc.chains[r.Snapshot]
		for _, a := range chain[:len(chain)-1] {
			if len(sc.byName[a.Snapshot].Problems) == 0 {
				continue
			}
			what := fmt.Sprintf("not received: it needs %s, which is damaged", a.Snapshot)
			if quick {
				what = fmt.Sprintf("cannot be restored: it needs %s, which is damaged", a.Snapshot)
			}
			sc.byName[r.Snapshot].fail(Problem{Snapshot: r.Snapshot, What: what})
			break
		}
	}
}

// checks returns every check, sorted by snapshot name (time, within a
// subvolume).
func (sc *scope) checks() []*Check {
	var out []*Check
	for _, c := range sc.byName {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Snapshot < out[j].Snapshot })
	return out
}
