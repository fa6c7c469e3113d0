package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FormatVersion is the record format this argo-backup writes and the newest
// one it can read.
const FormatVersion = 1

// Part describes one independently sealed piece of a send stream. Both hashes
// are kept: the plaintext one proves the reassembled stream, the stored one
// lets verify check an object without decrypting it.
type Part struct {
	Index        int    `json:"index"`
	PlainBytes   int64  `json:"plain_bytes"`
	PlainSHA256  string `json:"plain_sha256"` // hex
	StoredBytes  int64  `json:"stored_bytes"`
	StoredSHA256 string `json:"stored_sha256"` // hex
}

// Record describes one committed backup: which snapshot it holds, which
// snapshot it was sent against, and every part needed to replay it.
type Record struct {
	Format           int       `json:"format"`
	ToolVersion      string    `json:"tool_version"`
	Host             string    `json:"host"`
	Subvolume        string    `json:"subvolume"`   // config name, e.g. "home"
	SourcePath       string    `json:"source_path"` // e.g. "/home"
	Snapshot         string    `json:"snapshot"`    // "home.20261126T004200Z"
	UUID             string    `json:"uuid"`        // from the send stream header
	CTransID         uint64    `json:"ctransid"`
	Parent           string    `json:"parent,omitempty"` // parent snapshot name; "" for a full
	ParentUUID       string    `json:"parent_uuid,omitempty"`
	ParentCTransID   uint64    `json:"parent_ctransid,omitempty"`
	Depth            int       `json:"depth"`                // 0 for a full, parent's depth + 1 otherwise
	Created          time.Time `json:"created"`              // snapshot time (UTC)
	Committed        time.Time `json:"committed"`            // when the record was written
	SendProto        int       `json:"send_proto"`           // 1 or 2
	SendFlags        []string  `json:"send_flags,omitempty"` // e.g. ["--proto","2","--compressed-data"]
	CompressionLevel int       `json:"compression_level"`
	PartSize         int64     `json:"part_size"`
	PlainBytes       int64     `json:"plain_bytes"`
	StoredBytes      int64     `json:"stored_bytes"`
	StreamSHA256     string    `json:"stream_sha256"`
	Parts            []Part    `json:"parts"`
	// Where the source sat on its filesystem, so that restore --layout can
	// rebuild a machine the old fstab mounts (layout.go). Empty in records
	// of older versions.
	FSUUID      string        `json:"fs_uuid,omitempty"`      // the source btrfs's UUID (what fstab's UUID= names)
	SubvolPath  string        `json:"subvol_path,omitempty"`  // the source subvolume from the top level, e.g. "@home"
	SnapshotDir string        `json:"snapshot_dir,omitempty"` // where push keeps its snapshots, e.g. /.snapshots/argo-backup
	Layout      []LayoutEntry `json:"layout,omitempty"`       // every subvolume of that filesystem the machine used
	// Expected: the other backups of this subvolume that exist when this
	// one is committed (see Expected). Empty in first-format records.
	Expected []Expected `json:"expected,omitempty"`
}

// IsFull reports whether r was sent without a parent, so that restoring it
// needs no other backup.
func (r *Record) IsFull() bool { return r.Parent == "" }

// NewerFormatError is returned for a record written by a newer argo-backup.
// Guessing at a format we do not know could replay a chain wrongly, so such a
// record is refused and the user is told to upgrade.
type NewerFormatError struct {
	Format int // the format version found in the record
}

func (e *NewerFormatError) Error() string {
	return fmt.Sprintf("record format %d is newer than this argo-backup understands (%d): upgrade argo-backup",
		e.Format, FormatVersion)
}

// EncodeRecord returns r as indented JSON. Field order is fixed and times are
// written in UTC, so the same record always encodes to the same bytes. An
// inconsistent record is refused: it is the commit point, and a bad one would
// only be discovered at restore time.
func EncodeRecord(r *Record) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	canonical := *r
	canonical.normalize()
	b, err := json.MarshalIndent(&canonical, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.Snapshot, err)
	}
	return append(b, '\n'), nil
}

// DecodeRecord parses and validates a record. Unknown fields are ignored so
// that older versions can read records with additions; a newer format version
// is refused with a *NewerFormatError before anything else is interpreted.
func DecodeRecord(b []byte) (*Record, error) {
	if err := checkFormatVersion(b); err != nil {
		return nil, err
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	r.normalize()
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// checkFormatVersion reads only the format field, because the rest of a
// newer record may not even decode into today's Record.
func checkFormatVersion(b []byte) error {
	var probe struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	switch {
	case probe.Format == nil:
		return errors.New("decode record: no format version")
	case *probe.Format > FormatVersion:
		return &NewerFormatError{Format: *probe.Format}
	case *probe.Format < 1:
		return fmt.Errorf("decode record: format version %d is not valid", *probe.Format)
	}
	return nil
}

// normalize puts r in the one form EncodeRecord writes, so that a decoded
// record equals the record it was encoded from.
func (r *Record) normalize() {
	r.Created = r.Created.UTC()
	r.Committed = r.Committed.UTC()
	if len(r.SendFlags) == 0 {
		r.SendFlags = nil
	}
	if len(r.Expected) == 0 {
		r.Expected = nil
	}
}
