package remote

import (
	"strings"
	"testing"
)

// ReadAll refuses an object larger than its limit instead of reading it
// all into memory.
func TestReadAllIsBounded(t *testing.T) {
	s := openStore(t, t.TempDir())
	mustPut(t, s, "h/big", make([]byte, 1000))
	if _, err := s.readAllMax(t.Context(), "h/big", 999); err == nil || !strings.Contains(err.Error(), "larger than 999 bytes") {
		t.Errorf("readAllMax of 1000 bytes with limit 999 = %v, want a refusal", err)
	}
	if data, err := s.readAllMax(t.Context(), "h/big", 1000); err != nil || len(data) != 1000 {
		t.Errorf("readAllMax of 1000 bytes with limit 1000 = %d bytes, %v", len(data), err)
	}
}
