package backup

import (
	"fmt"

	"github.com/argo-backup/argo-backup/manifest"
)

// addExpected gives a record about to be signed its expected list: every
// other backup of the subvolume this host's state holds. The first signed
// record of a host thereby endorses its older unsigned backups by record
// hash, and any later one lets a fresh machine name backups the remote
// lost. A record resumed from the journal keeps the list it was signed
// with.
func (p *Pusher) addExpected(rec *manifest.Record) error {
	if p.Signer == nil || rec.Expected != nil {
		return nil
	}
	have, err := p.State.Records(p.Host, rec.Subvolume)
	if err != nil {
		return fmt.Errorf("expected list of %s: %w", rec.Snapshot, err)
	}
	rec.Expected, err = manifest.ExpectedList(have, rec.Snapshot)
	if err != nil {
		return fmt.Errorf("expected list of %s: %w", rec.Snapshot, err)
	}
	return nil
}

// signRecord returns the object stored (encrypted) as record.json.age: the
// signature envelope around the canonical record bytes, or, without a
// Signer, the bare record of the first format.
func (p *Pusher) signRecord(canonical []byte) ([]byte, error) {
	if p.Signer == nil {
		return canonical, nil
	}
	object, err := p.Signer.Sign(manifest.SignedRecordType, canonical)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	return object, nil
}
