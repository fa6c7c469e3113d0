package manifest

import (
	"os"
	"reflect"
	"testing"
)

// FuzzDecodeRecord checks that DecodeRecord never panics, and that whatever
// it accepts is a record EncodeRecord writes back to the same record.
func FuzzDecodeRecord(f *testing.F) {
	if golden, err := os.ReadFile(goldenRecordFile); err == nil {
		f.Add(golden)
	}
	for _, r := range []*Record{fullAt(day(0)), incrAt(fullAt(day(0)), day(1))} {
		b, err := EncodeRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`{"format":1,"created":"2026-11-26T00:42:00+01:00","send_flags":[]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRecord(b)
		if err != nil {
			return
		}
		encoded, err := EncodeRecord(r)
		if err != nil {
			t.Fatalf("accepted record does not encode: %v\n%s", err, b)
		}
		again, err := DecodeRecord(encoded)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v\n%s", err, encoded)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", again, r)
		}
	})
}
