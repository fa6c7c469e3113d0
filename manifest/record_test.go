package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const goldenRecordFile = "../testdata/record-v1.json"

// goldenRecord is the record stored in testdata/record-v1.json: an
// incremental of "home" in two parts. Changing how it encodes breaks every
// record already on a remote.
func goldenRecord() *Record {
	return &Record{
		Format:           1,
		ToolVersion:      "0.1.0",
		Host:             "workstation",
		Subvolume:        "home",
		SourcePath:       "/home",
		Snapshot:         "home.20261126T004200Z",
		UUID:             "4b0c3f0e-7a1d-4e4b-9d7c-2f7c1f4d9a11",
		CTransID:         48213,
		Parent:           "home.20261125T004200Z",
		ParentUUID:       "9e2d8c55-1f3a-4c9e-8b0a-6d5e4f3c2b10",
		ParentCTransID:   47990,
		Depth:            1,
		Created:          time.Date(2026, 11, 26, 0, 42, 0, 0, time.UTC),
		Committed:        time.Date(2026, 11, 26, 0, 47, 13, 250000000, time.UTC),
		SendProto:        2,
		SendFlags:        []string{"--proto", "2", "--compressed-data"},
		CompressionLevel: 3,
		PartSize:         67108864,
		PlainBytes:       67108864 + 1234567,
		StoredBytes:      40000000 + 900000,
		StreamSHA256:     "5f1e7ab6c1f9d3b2a4e8c7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918f7e6d5c4b",
		Parts: []Part{
			{
				Index:        0,
				PlainBytes:   67108864,
				PlainSHA256:  "0d4c7f3e2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a49382716",
				StoredBytes:  40000000,
				StoredSHA256: "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
			},
			{
				Index:        1,
				PlainBytes:   1234567,
				PlainSHA256:  "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100",
				StoredBytes:  900000,
				StoredSHA256: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
			},
		},
	}
}

func TestEncodeRecordMatchesGolden(t *testing.T) {
	got, err := EncodeRecord(goldenRecord())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(goldenRecordFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(goldenRecordFile)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeRecord output differs from %s:\n%s", goldenRecordFile, got)
	}
}

func TestDecodeRecordReadsGolden(t *testing.T) {
	b, err := os.ReadFile(goldenRecordFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := goldenRecord(); !reflect.DeepEqual(got, want) {
		t.Errorf("decoded golden record:\n got %+v\nwant %+v", got, want)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := map[string]*Record{
		"full":        fullAt(day(0)),
		"incremental": incrAt(fullAt(day(0)), day(1)),
		"golden":      goldenRecord(),
		"no send flags, proto 1": func() *Record {
			r := fullAt(day(0))
			r.SendProto, r.SendFlags = 1, nil
			return r
		}(),
		"times in another zone, nanoseconds": func() *Record {
			r := fullAt(day(0))
			r.Created = r.Created.In(berlin)
			r.Committed = r.Committed.Add(123456789 * time.Nanosecond).In(berlin)
			return r
		}(),
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := EncodeRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRecord(b)
			if err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if !got.Created.Equal(r.Created) || !got.Committed.Equal(r.Committed) {
				t.Errorf("times changed: got %v, %v; want %v, %v", got.Created, got.Committed, r.Created, r.Committed)
			}
			if got.Created.Location() != time.UTC {
				t.Errorf("decoded created time is in %v, want UTC", got.Created.Location())
			}
			want := *r
			want.Created, want.Committed = got.Created, got.Committed
			if !reflect.DeepEqual(got, &want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, &want)
			}
		})
	}
}

func TestDecodeRecordRefusesNewerFormat(t *testing.T) {
	// A newer record may change anything, even the type of a known field.
	b := []byte(`{"format": 2, "parts": "elsewhere", "snapshot": 7}`)
	_, err := DecodeRecord(b)
	var newer *NewerFormatError
	if !errors.As(err, &newer) {
		t.Fatalf("got %v, want a *NewerFormatError", err)
	}
	want := "record format 2 is newer than this argo-backup understands (1): upgrade argo-backup"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestDecodeRecordIgnoresUnknownFields(t *testing.T) {
	r := incrAt(fullAt(day(0)), day(1))
	b := editJSON(t, r, func(m map[string]any) {
		m["signature"] = map[string]any{"alg": "future", "value": "..."}
		m["parts"].([]any)[0].(map[string]any)["storage_class"] = "cold"
	})
	got, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("got %+v, want %+v", got, r)
	}
}

func TestDecodeRecordNormalizes(t *testing.T) {
	r := fullAt(day(0))
	b := editJSON(t, r, func(m map[string]any) {
		m["created"] = r.Created.In(time.FixedZone("CET", 3600)).Format(time.RFC3339Nano)
		m["send_flags"] = []any{}
	})
	got, err := DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	want := *r
	want.SendFlags = nil
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("got %+v, want %+v, with times in UTC and no send flags", got, &want)
	}
}

func TestDecodeRecordRefusesBadInput(t *testing.T) {
	tests := []struct {
		name    string
		json    []byte
		wantErr string
	}{
		{"not JSON", []byte("age-encryption.org/v1\n"), "decode record"},
		{"empty object", []byte("{}"), "no format version"},
		{"format missing", editJSON(t, fullAt(day(0)), func(m map[string]any) { delete(m, "format") }), "no format version"},
		{"format null", editJSON(t, fullAt(day(0)), func(m map[string]any) { m["format"] = nil }), "no format version"},
		{"format 0", editJSON(t, fullAt(day(0)), func(m map[string]any) { m["format"] = 0 }), "format version 0 is not valid"},
		{"format as string", editJSON(t, fullAt(day(0)), func(m map[string]any) { m["format"] = "1" }), "decode record"},
		{"wrong field type", editJSON(t, fullAt(day(0)), func(m map[string]any) { m["depth"] = "0" }), "decode record"},
		{"inconsistent", editJSON(t, fullAt(day(0)), func(m map[string]any) { m["plain_bytes"] = 1 }), "plaintext bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRecord(tt.json)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestEncodeRecordRefusesInvalidRecord(t *testing.T) {
	r := fullAt(day(0))
	r.StoredBytes++
	if _, err := EncodeRecord(r); err == nil || !strings.Contains(err.Error(), "stored bytes") {
		t.Errorf("got %v, want an error about stored bytes", err)
	}
}

// editJSON encodes r, lets edit change the generic JSON and returns it.
func editJSON(t *testing.T, r *Record, edit func(map[string]any)) []byte {
	t.Helper()
	b, err := EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
