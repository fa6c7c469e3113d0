package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// monday is the first day of the test calendar: Monday 2026-11-02, the
// first day of ISO week 2026-W45.
var monday = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)

// day returns 03:00 UTC on day n of the test calendar.
func day(n int) time.Time { return monday.AddDate(0, 0, n) }

// fullAt returns a valid record of a full backup of "home" taken at t.
func fullAt(t time.Time) *Record { return backupAt(t, nil) }

// incrAt returns a valid record of an incremental backup taken at t.
func incrAt(parent *Record, t time.Time) *Record { return backupAt(t, parent) }

// backupAt returns a valid record of "home" taken at t, sent against parent
// (nil for a full). Its UUID and hashes are derived from its name.
func backupAt(t time.Time, parent *Record) *Record {
	name := SnapshotName("home", t)
	r := &Record{
		Format:           FormatVersion,
		ToolVersion:      "test",
		Host:             "workstation",
		Subvolume:        "home",
		SourcePath:       "/home",
		Snapshot:         name,
		UUID:             fakeUUID(name),
		CTransID:         uint64(t.Unix()),
		Created:          t.UTC(),
		Committed:        t.UTC().Add(time.Minute),
		SendProto:        2,
		SendFlags:        []string{"--proto", "2", "--compressed-data"},
		CompressionLevel: 3,
		PartSize:         1000,
		PlainBytes:       1500,
		StoredBytes:      900,
		StreamSHA256:     fakeSHA256(name, "stream"),
		Parts: []Part{
			{0, 1000, fakeSHA256(name, "plain 0"), 600, fakeSHA256(name, "stored 0")},
			{1, 500, fakeSHA256(name, "plain 1"), 300, fakeSHA256(name, "stored 1")},
		},
	}
	if parent != nil {
		r.Parent = parent.Snapshot
		r.ParentUUID = parent.UUID
		r.ParentCTransID = parent.CTransID
		r.Depth = parent.Depth + 1
	}
	return r
}

func fakeSHA256(parts ...string) string {
	sum := sha256.Sum256(fmt.Append(nil, parts))
	return hex.EncodeToString(sum[:])
}

func fakeUUID(name string) string {
	h := fakeSHA256(name, "uuid")
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// names returns the snapshot names of records, in order.
func names(records []*Record) []string {
	var out []string
	for _, r := range records {
		out = append(out, r.Snapshot)
	}
	return out
}
