package sendstream_test

import (
	"strings"
	"testing"
)

// FuzzPathRules builds streams of namespace and data commands from fuzzed
// names and checks that the validator never accepts a path that is absolute
// or has a ".." component, nor data written straight to a name that was just
// made a symlink.
func FuzzPathRules(f *testing.F) {
	f.Add([]byte{8, 'l', 0, '/', 'e', 0, 15, 'l', 0, 0})
	f.Add([]byte{3, 'a', 0, 0, 9, 'a', 0, 'b', 0, 17, 'b', 0, 0})
	f.Add([]byte{4, '.', '.', 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		b := newBuilder(2).subvol("s")
		var names []string
		lastSymlink := ""
		for len(in) > 0 && len(names) < 64 {
			op := uint16(in[0]%26) + 1
			var p1, p2 string
			p1, in = cstr(in[1:])
			p2, in = cstr(in)
			if op == 1 || op == 2 || op == 21 {
				continue
			}
			names = append(names, p1)
			if op == 9 || op == 10 || op == 16 { // other ops ignore p2; a symlink's is data
				names = append(names, p2)
			}
			switch op {
			case 9: // rename
				b.cmd(op, str(15, p1), str(16, p2))
			case 8, 10: // symlink, link
				b.cmd(op, str(15, p1), str(17, p2))
			case 16: // clone
				b.cmd(op, str(15, p1), str(22, p2), u64(18, 0))
			default:
				b.cmd(op, str(15, p1), u64(18, 0), str(19, "x"))
			}
			if op == 8 {
				lastSymlink = p1
			} else if lastSymlink != "" && (op == 15 || op == 17) && p1 == lastSymlink {
				if _, err := validate(b.end()); err == nil {
					t.Fatalf("write to %q right after it was made a symlink was accepted", p1)
				}
				return
			}
		}
		if _, err := validate(b.end()); err != nil {
			return
		}
		for _, p := range names {
			if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") || strings.Contains(p, "/../") || strings.HasSuffix(p, "/..") {
				t.Fatalf("stream naming %q was accepted", p)
			}
		}
	})
}

// cstr takes a NUL-terminated string off in.
func cstr(in []byte) (string, []byte) {
	i := 0
	for i < len(in) && in[i] != 0 {
		i++
	}
	s := string(in[:i])
	if i < len(in) {
		i++
	}
	return s, in[i:]
}
