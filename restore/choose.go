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
	if t.TrustUnsigned {
		if records, err = withUnsigned(l, t); err != nil {
			return nil, err
		}
	}
	for _, e := range l.Untrusted() {
		if t.TrustUnsigned && e.Unsigned() {
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
// of one named backup that the user vouches for.
func withUnsigned(l *Listing, t Target) ([]*manifest.Record, error) {
	if t.Snapshot == "" {
		return nil, inputErrorf("--trust-unsigned needs --snapshot NAME: an unsigned backup is never restored as the newest")
	}
	var recs []*manifest.Record
	unsigned := 0
	for _, e := range l.Entries {
		switch {
		case e.Trusted:
			recs = append(recs, e.Record)
		case e.Unsigned():
			recs = append(recs, e.Record)
			unsigned++
		}
	}
	if unsigned == 0 {
		return nil, inputErrorf("--trust-unsigned: no unsigned backups here: restore %s without it", t.Snapshot)
	}
	return recs, nil
}

func (r *Restorer) notify(msg string) {
	if r.Notify != nil {
		r.Notify(msg)
		return
	}
	r.log().Warn(msg)
}
