package manifest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateAcceptsWellFormedRecords(t *testing.T) {
	full := fullAt(day(0))
	for _, r := range []*Record{full, incrAt(full, day(1)), goldenRecord()} {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r.Snapshot, err)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(r *Record)
		wantErr string
	}{
		{"format missing", func(r *Record) { r.Format = 0 }, "format version missing"},
		{"newer format", func(r *Record) { r.Format = 2 }, "record format 2 is newer"},
		{"host missing", func(r *Record) { r.Host = "" }, "host missing"},
		{"snapshot name without time", func(r *Record) { r.Snapshot = "home" }, `snapshot name "home" does not end in`},
		{"snapshot of another subvolume", func(r *Record) { r.Subvolume = "root" }, `belongs to subvolume "home", but the record says "root"`},
		{"UUID missing", func(r *Record) { r.UUID = "" }, "snapshot UUID missing"},
		{"parent without UUID", func(r *Record) { r.ParentUUID = "" }, "must both be set or both be empty"},
		{"parent UUID without parent", func(r *Record) { r.Parent = "" }, "must both be set or both be empty"},
		{"incremental at depth 0", func(r *Record) { r.Depth = 0 }, "depth 1 or more, not 0"},
		{"full at depth 1", func(r *Record) { r.Parent, r.ParentUUID = "", "" }, "a full backup has depth 0, not 1"},
		{"parent is itself", func(r *Record) { r.ParentUUID = r.UUID }, "is the snapshot's own UUID"},
		{"bad parent name", func(r *Record) { r.Parent = "home.yesterday" }, `parent: snapshot name "home.yesterday"`},
		{"parent of another subvolume", func(r *Record) { r.Parent = "root.20261101T000000Z" }, `belongs to subvolume "root"`},
		{"created missing", func(r *Record) { r.Created = time.Time{} }, "created time missing"},
		{"committed missing", func(r *Record) { r.Committed = time.Time{} }, "committed time missing"},
		{"created past year 9999", func(r *Record) { r.Created = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "out of range"},
		{"send protocol 3", func(r *Record) { r.SendProto = 3 }, "send protocol 3"},
		{"part size 0", func(r *Record) { r.PartSize = 0 }, "part size 0"},
		{"stream hash short", func(r *Record) { r.StreamSHA256 = "abc" }, "stream sha256"},
		{"stream hash upper case", func(r *Record) { r.StreamSHA256 = strings.ToUpper(r.StreamSHA256) }, "stream sha256"},
		{"no parts", func(r *Record) { r.Parts, r.PlainBytes, r.StoredBytes = nil, 0, 0 }, "no parts"},
		{"parts out of order", func(r *Record) { r.Parts[0], r.Parts[1] = r.Parts[1], r.Parts[0] }, "part at position 0 has index 1"},
		{"part index skipped", func(r *Record) { r.Parts[1].Index = 2 }, "part at position 1 has index 2"},
		{"empty part", func(r *Record) { r.Parts[1].PlainBytes, r.PlainBytes = 0, 1000 }, "part 1 is empty"},
		{"part larger than part size", func(r *Record) { r.PartSize = 999 }, "part 0 holds 1000 bytes, more than the part size 999"},
		{"part not stored", func(r *Record) { r.Parts[1].StoredBytes, r.StoredBytes = 0, 600 }, "part 1 has no stored bytes"},
		{"part plain hash not hex", func(r *Record) { r.Parts[0].PlainSHA256 = strings.Repeat("g", 64) }, "part 0: plaintext sha256"},
		{"part stored hash missing", func(r *Record) { r.Parts[1].StoredSHA256 = "" }, "part 1: stored sha256"},
		{"plain total wrong", func(r *Record) { r.PlainBytes++ }, "parts hold 1500 plaintext bytes, but the record says 1501"},
		{"stored total wrong", func(r *Record) { r.StoredBytes-- }, "parts hold 900 stored bytes, but the record says 899"},
		{"sizes of 2^62", func(r *Record) {
			r.PartSize = 1 << 62
			r.Parts[0].PlainBytes, r.Parts[1].PlainBytes = 1<<62, 1<<62
		}, "part size 4611686018427387904 is above the limit of 4294967296 bytes"},
		{"plain bytes of 2^62 in small parts", func(r *Record) { r.PlainBytes = 1 << 62 }, "but the record says 4611686018427387904"},
		{"part size just above 4 GiB", func(r *Record) { r.PartSize = 4<<30 + 1 }, "above the limit"},
		{"a terabyte in one part", func(r *Record) {
			r.PartSize, r.Parts[0].PlainBytes, r.PlainBytes = 4<<30, 1<<40, 1<<40+500
		}, "part 0 holds 1099511627776 bytes, more than the part size 4294967296"},
		{"stored far beyond plain", func(r *Record) {
			r.Parts[0].StoredBytes, r.StoredBytes = 1<<40, 1<<40+300
		}, "part 0: 1099511627776 stored bytes cannot hold 1000 plaintext bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := incrAt(fullAt(day(0)), day(1))
			tt.edit(r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), r.Snapshot) {
				t.Errorf("error %q does not name the snapshot %s", err, r.Snapshot)
			}
		})
	}
}

func TestValidateNewerFormatIsNewerFormatError(t *testing.T) {
	r := fullAt(day(0))
	r.Format = FormatVersion + 1
	var newer *NewerFormatError
	if err := r.Validate(); !errors.As(err, &newer) || newer.Format != FormatVersion+1 {
		t.Errorf("got %v, want a *NewerFormatError for format %d", err, FormatVersion+1)
	}
}
