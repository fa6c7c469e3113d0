package sendstream

import (
	"strings"
	"testing"
)

// Every way a name can be refused, and names that only look like them.
func TestCheckName(t *testing.T) {
	for _, tt := range []struct {
		path string
		want string // a word of the error; "" = accepted
	}{
		{"", ""},
		{"a", ""},
		{"a/b/c", ""},
		{"...", ""},
		{"a/..b/.c", ""},
		{"/a", "absolute"},
		{"a\x00b", "NUL"},
		{"..", `".."`},
		{"a/../b", `".."`},
		{"a/..", `".."`},
		{".", "empty"},
		{"./a", "empty"},
		{"a/.", "empty"},
		{"a//b", "empty"},
		{"a/", "empty"},
	} {
		err := checkName(tt.path)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("checkName(%q) = %v, want it accepted", tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("checkName(%q) = %v, want an error about %s", tt.path, err, tt.want)
		}
	}
}
