package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SignedRecordType is the type a record's signature envelope names. The
// payload of that envelope is exactly EncodeRecord's output: the signature
// covers the whole canonical record, every field, including Expected.
const SignedRecordType = "argo-backup record"

// Expected names one backup that should exist beside the record that lists
// it: its snapshot and the SHA-256 of its canonical record bytes
// (RecordHash). A signed record's list endorses the backups it names, so
// unsigned first-format backups stay trusted, and it lets a machine with no
// state name backups that the remote lost.
type Expected struct {
	Snapshot     string `json:"snapshot"`
	RecordSHA256 string `json:"record_sha256"`
}

// RecordHash is the SHA-256 (lowercase hex) of a record's canonical bytes,
// the output of EncodeRecord.
func RecordHash(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// HashRecord encodes r and returns its RecordHash.
func HashRecord(r *Record) (string, error) {
	b, err := EncodeRecord(r)
	if err != nil {
		return "", err
	}
	return RecordHash(b), nil
}

// ExpectedList is the list a new record of r's subvolume carries: every
// record in have but r itself, oldest first as given.
func ExpectedList(have []*Record, self string) ([]Expected, error) {
	var out []Expected
	for _, h := range have {
		if h.Snapshot == self {
			continue
		}
		sum, err := HashRecord(h)
		if err != nil {
			return nil, err
		}
		out = append(out, Expected{Snapshot: h.Snapshot, RecordSHA256: sum})
	}
	return out, nil
}

// Endorses reports whether r's expected list names the record other with
// exactly these canonical bytes.
func (r *Record) Endorses(snapshot, hash string) bool {
	for _, e := range r.Expected {
		if e.Snapshot == snapshot && e.RecordSHA256 == hash {
			return true
		}
	}
	return false
}

// CheckLocation refuses a record stored under another host, subvolume or
// snapshot than its own: a genuine record moved to another place is not a
// backup of that place.
func (r *Record) CheckLocation(host, subvol, snapshot string) error {
	if r.Host != host || r.Subvolume != subvol || r.Snapshot != snapshot {
		return fmt.Errorf("stored under %s/%s/%s, but it is the record of %s/%s/%s",
			host, subvol, snapshot, r.Host, r.Subvolume, r.Snapshot)
	}
	return nil
}

func (r *Record) validateExpected() error {
	for _, e := range r.Expected {
		subvol, _, err := ParseSnapshotName(e.Snapshot)
		if err != nil {
			return fmt.Errorf("expected backup: %w", err)
		}
		if subvol != r.Subvolume {
			return fmt.Errorf("expected backup %s is not of subvolume %q", e.Snapshot, r.Subvolume)
		}
		if e.Snapshot == r.Snapshot {
			return fmt.Errorf("expected list names the record itself")
		}
		if !isHexSHA256(e.RecordSHA256) {
			return fmt.Errorf("expected backup %s: record sha256 %q is not 64 lowercase hex digits", e.Snapshot, e.RecordSHA256)
		}
	}
	return nil
}
