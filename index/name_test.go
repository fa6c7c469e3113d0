package index

import (
	"encoding/json"
	"testing"
)

// TestNameRoundTrip: every name comes back as the same bytes, whichever
// way it was written (plain string, escapes, base64 for non-UTF-8).
func TestNameRoundTrip(t *testing.T) {
	for _, name := range []string{"", "a", "chapter 1.txt", `q"uote`, `back\slash`, "nl\nx", "<&>", "Straße", "bad\xff", "\x00nul", "tab\t"} {
		b, err := json.Marshal(Name(name))
		if err != nil {
			t.Fatal(err)
		}
		var got Name
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q as %s: %v", name, b, err)
		}
		if string(got) != name {
			t.Errorf("%q as %s came back as %q", name, b, got)
		}
	}
}
