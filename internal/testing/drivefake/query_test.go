package drivefake

import (
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	folder := &file{id: "F", name: "Daily", mimeType: folderMimeType, parents: []string{RootID},
		modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	blob := &file{id: "B", name: "it's.bin", mimeType: "application/octet-stream", parents: []string{"F"},
		modified: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	gone := &file{id: "G", name: "old", mimeType: "text/plain", parents: []string{"F"}, trashed: true}
	all := []*file{folder, blob, gone}

	for _, tc := range []struct {
		q    string
		want string // IDs that match, in order of all
	}{
		{"", "FBG"},
		{"trashed=false", "FB"},
		{"trashed=true", "G"},
		{"trashed=false and ('F' in parents)", "B"},
		{"trashed=false and ('root' in parents)", "F"},
		{"('F' in parents or '" + RootID + "' in parents)", "FBG"},
		{"name='daily'", "F"}, // case insensitive, as on Drive
		{`name='it\'s.bin'`, "B"},
		{"(name='x' or name='old')", "G"},
		{"(mimeType='application/vnd.google-apps.folder' or mimeType='application/vnd.google-apps.shortcut')", "F"},
		{"mimeType!='application/vnd.google-apps.folder'", "BG"},
		{"not trashed=true", "FB"},
		{"(modifiedTime >= '2026-03-01T00:00:00' or mimeType = 'application/vnd.google-apps.folder')", "FB"},
		{"modifiedTime < '2026-03-01T00:00:00'", "FG"},
		{"name contains 'BIN'", "B"},
		{"sharedWithMe=true", ""},
	} {
		pred, err := parseQuery(tc.q)
		if err != nil {
			t.Errorf("parseQuery(%q): %v", tc.q, err)
			continue
		}
		got := ""
		for _, f := range all {
			if pred(f) {
				got += f.id
			}
		}
		if got != tc.want {
			t.Errorf("parseQuery(%q) matches %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestParseQueryRejects(t *testing.T) {
	for _, q := range []string{
		"fullText contains 'x'", // a field the fake does not know
		"name='unterminated",
		"(trashed=false",
		"trashed=maybe",
		"'F' in owners",
		"name < 'x'",
		"trashed=false and",
	} {
		if _, err := parseQuery(q); err == nil {
			t.Errorf("parseQuery(%q) succeeded, want an error", q)
		}
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		header     string
		size       int64
		start, end int64
		partial    bool
		ok         bool
	}{
		{"", 10, 0, 10, false, true},
		{"bytes=2-5", 10, 2, 6, true, true},
		{"bytes=2-", 10, 2, 10, true, true},
		{"bytes=-3", 10, 7, 10, true, true},
		{"bytes=-30", 10, 0, 10, true, true},
		{"bytes=8-100", 10, 8, 10, true, true},
		{"bytes=10-", 10, 0, 0, false, false},
		{"bytes=0-1,4-5", 10, 0, 10, false, true}, // multiple ranges: whole body
		{"items=0-1", 10, 0, 10, false, true},
	} {
		start, end, partial, ok := parseRange(tc.header, tc.size)
		if start != tc.start || end != tc.end || partial != tc.partial || ok != tc.ok {
			t.Errorf("parseRange(%q, %d) = %d, %d, %v, %v; want %d, %d, %v, %v", tc.header, tc.size,
				start, end, partial, ok, tc.start, tc.end, tc.partial, tc.ok)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	for _, tc := range []struct {
		header       string
		start, total int64
		wantErr      bool
	}{
		{"bytes 0-262143/600000", 0, 600000, false},
		{"bytes 262144-524287/*", 262144, -1, false},
		{"bytes */600000", -1, 600000, false},
		{"bytes */*", -1, -1, false},
		{"0-1/2", 0, 0, true},
		{"bytes x-1/2", 0, 0, true},
	} {
		start, total, err := parseContentRange(tc.header)
		if (err != nil) != tc.wantErr || (err == nil && (start != tc.start || total != tc.total)) {
			t.Errorf("parseContentRange(%q) = %d, %d, %v; want %d, %d, error %v",
				tc.header, start, total, err, tc.start, tc.total, tc.wantErr)
		}
	}
}
