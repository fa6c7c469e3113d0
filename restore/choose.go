package restore

import (
	"context"
	"errors"
	"fmt"

	"github.com/argo-backup/argo-backup/manifest"
)

// ErrNoTrusted is matched when a subvolume has records on the remote but
// none that is trusted (an injected subvolume, or only forgeries).
var ErrNoTrusted = errors.New("no trusted backups")

// usable returns the records a restore of t may use, oldest first: the
// trusted ones, and with t.TrustUnsigned the unsigned ones too. It names
// every record it leaves out, and the backups the newest trusted record
// expected that are gone, through Notify. No part is read before this.
func (r *Restorer) usable(ctx context.Context, host, subvol string, t Target) ([]*manifest.Record, error) {
	l, err := r.List(ctx, host, subvol)
	if err != nil {
		return nil, err
	}
	records := l.Trusted()
	vouched := map[*Entry]bool{}
	if t.TrustUnsigned {
		if records, vouched, err = r.withUnsigned(l, t); err != nil {
			return nil, err
		}
	}
	for _, e := range l.Untrusted() {
		if vouched[e] {
			continue
		}
		r.notify(fmt.Sprintf("skipped %s (%s): untrusted: %s", e.Snapshot, e.Object, e.Reason))
	}
	if note := missingNote(l); note != "" {
		r.notify(note)
	}
	if len(records) == 0 {
		if len(l.Entries) > 0 {
			return nil, inputErrorf("%w of %s from host %s on the remote (%d untrusted, named above): see 'argo-backup list'", ErrNoTrusted, subvol, host, len(l.Entries))
		}
		return nil, inputErrorf("no backups of %s from host %s on the remote: check the name with 'argo-backup list' (or --host)", subvol, host)
	}
	return records, nil
}

// withUnsigned adds the unsigned records to the trusted ones, for a restore
// of one named backup that the user vouches for. Only backups older than
// the subvolume's first signed one can be genuine (once a host signs, it
// signs every backup), so a later unsigned one is never taken: it is a
// plant. Each unsigned backup taken is named, so the output never passes
// one off as verified.
func (r *Restorer) withUnsigned(l *Listing, t Target) ([]*manifest.Record, map[*Entry]bool, error) {
	if t.Snapshot == "" {
		return nil, nil, inputErrorf("--trust-unsigned needs --snapshot NAME: an unsigned backup is never restored as the newest")
	}
	firstSigned := firstSignedSnapshot(l)
	var recs []*manifest.Record
	vouched := map[*Entry]bool{}
	for _, e := range l.Entries {
		switch {
		case e.Trusted:
			recs = append(recs, e.Record)
		case e.Unsigned() && (firstSigned == "" || e.Snapshot < firstSigned):
			recs = append(recs, e.Record)
			vouched[e] = true
			if e.Snapshot == t.Snapshot {
				r.notify(fmt.Sprintf("%s is UNSIGNED: nothing proves this fleet wrote it; restored only because --trust-unsigned vouches for it", e.Snapshot))
			}
		case e.Unsigned() && e.Snapshot == t.Snapshot:
			return nil, nil, inputErrorf("--trust-unsigned: %s is unsigned and newer than %s, the first signed backup: this fleet signs every backup since, so it did not write this one", e.Snapshot, firstSigned)
		}
	}
	if len(vouched) == 0 {
		if firstSigned != "" && anyUnsigned(l) {
			return nil, nil, inputErrorf("--trust-unsigned: no unsigned backup older than %s, the first signed one of %s: an unsigned backup newer than that was not written by this fleet", firstSigned, t.Snapshot)
		}
		return nil, nil, inputErrorf("--trust-unsigned: no unsigned backups here: restore %s without it", t.Snapshot)
	}
	return recs, vouched, nil
}

func anyUnsigned(l *Listing) bool {
	for _, e := range l.Entries {
		if e.Unsigned() {
			return true
		}
	}
	return false
}

// firstSignedSnapshot is the oldest backup of l that carries a valid
// signature, or "" when none does. Snapshot names sort by time.
func firstSignedSnapshot(l *Listing) string {
	for _, e := range l.Entries { // oldest first
		if e.Trusted && e.How == "signed" {
			return e.Snapshot
		}
	}
	return ""
}

func (r *Restorer) notify(msg string) {
	if r.Notify != nil {
		r.Notify(msg)
		return
	}
	r.log().Warn(msg)
}
