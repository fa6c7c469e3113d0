package manifest

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Validate checks that r is internally consistent: its names, its parent
// link, its times and that its parts add up to its totals. It cannot check
// that the parts exist; that is verify's job.
func (r *Record) Validate() error {
	checks := []func() error{
		r.validateFormat,
		r.validateIdentity,
		r.validateParent,
		r.validateTimes,
		r.validateSend,
		r.validateParts,
		r.validateExpected,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("invalid record %q: %w", r.Snapshot, err)
		}
	}
	return nil
}

func (r *Record) validateFormat() error {
	switch {
	case r.Format > FormatVersion:
		return &NewerFormatError{Format: r.Format}
	case r.Format < 1:
		return errors.New("format version missing")
	}
	return nil
}

func (r *Record) validateIdentity() error {
	if r.Host == "" {
		return errors.New("host missing")
	}
	subvol, _, err := ParseSnapshotName(r.Snapshot)
	if err != nil {
		return err
	}
	if subvol != r.Subvolume {
		return fmt.Errorf("snapshot belongs to subvolume %q, but the record says %q", subvol, r.Subvolume)
	}
	if r.UUID == "" {
		return errors.New("snapshot UUID missing")
	}
	return nil
}

func (r *Record) validateParent() error {
	if (r.Parent == "") != (r.ParentUUID == "") {
		return fmt.Errorf("parent %q and parent UUID %q must both be set or both be empty", r.Parent, r.ParentUUID)
	}
	if r.IsFull() {
		if r.Depth != 0 {
			return fmt.Errorf("a full backup has depth 0, not %d", r.Depth)
		}
		return nil
	}
	if r.Depth < 1 {
		return fmt.Errorf("an incremental backup has depth 1 or more, not %d", r.Depth)
	}
	if r.ParentUUID == r.UUID {
		return fmt.Errorf("parent UUID %s is the snapshot's own UUID", r.UUID)
	}
	subvol, _, err := ParseSnapshotName(r.Parent)
	if err != nil {
		return fmt.Errorf("parent: %w", err)
	}
	if subvol != r.Subvolume {
		return fmt.Errorf("parent %s belongs to subvolume %q, not %q", r.Parent, subvol, r.Subvolume)
	}
	return nil
}

func (r *Record) validateTimes() error {
	if err := checkTime("created", r.Created); err != nil {
		return err
	}
	return checkTime("committed", r.Committed)
}

// checkTime refuses a missing time, and one that JSON cannot carry (RFC 3339
// has four-digit years only).
func checkTime(what string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%s time missing", what)
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%s time %v out of range", what, t)
	}
	return nil
}

func (r *Record) validateSend() error {
	if r.SendProto != 1 && r.SendProto != 2 {
		return fmt.Errorf("send protocol %d is not 1 or 2", r.SendProto)
	}
	if r.PartSize <= 0 {
		return fmt.Errorf("part size %d is not positive", r.PartSize)
	}
	if !isHexSHA256(r.StreamSHA256) {
		return fmt.Errorf("stream sha256 %q is not 64 lowercase hex digits", r.StreamSHA256)
	}
	return nil
}

func (r *Record) validateParts() error {
	if len(r.Parts) == 0 {
		return errors.New("no parts")
	}
	var plain, stored int64
	for i, p := range r.Parts {
		if err := p.validate(i, r.PartSize); err != nil {
			return err
		}
		if plain > math.MaxInt64-p.PlainBytes || stored > math.MaxInt64-p.StoredBytes {
			return errors.New("part sizes overflow")
		}
		plain += p.PlainBytes
		stored += p.StoredBytes
	}
	if plain != r.PlainBytes {
		return fmt.Errorf("parts hold %d plaintext bytes, but the record says %d", plain, r.PlainBytes)
	}
	if stored != r.StoredBytes {
		return fmt.Errorf("parts hold %d stored bytes, but the record says %d", stored, r.StoredBytes)
	}
	return nil
}

// validate checks part p, found at position i of a record cut every partSize
// bytes.
func (p Part) validate(i int, partSize int64) error {
	switch {
	case p.Index != i:
		return fmt.Errorf("part at position %d has index %d", i, p.Index)
	case p.PlainBytes <= 0:
		return fmt.Errorf("part %d is empty", i)
	case p.PlainBytes > partSize:
		return fmt.Errorf("part %d holds %d bytes, more than the part size %d", i, p.PlainBytes, partSize)
	case p.StoredBytes <= 0:
		return fmt.Errorf("part %d has no stored bytes", i)
	case !isHexSHA256(p.PlainSHA256):
		return fmt.Errorf("part %d: plaintext sha256 %q is not 64 lowercase hex digits", i, p.PlainSHA256)
	case !isHexSHA256(p.StoredSHA256):
		return fmt.Errorf("part %d: stored sha256 %q is not 64 lowercase hex digits", i, p.StoredSHA256)
	}
	return nil
}

// isHexSHA256 accepts only the form hex.EncodeToString produces, so that
// hashes compare as strings.
func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
