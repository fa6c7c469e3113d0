package manifest

import (
	"strings"
	"testing"
	"time"
)

func TestCheckLogLostOrChanged(t *testing.T) {
	for _, data := range []string{"", "{garbage", `{"parts": null}`, `[1,2]`} {
		if l := DecodeCheckLog([]byte(data)); l.Parts == nil || len(l.Parts) != 0 {
			t.Errorf("%q: decoded %+v, want an empty log", data, l)
		}
	}
	var l CheckLog
	p := Part{StoredSHA256: strings.Repeat("a", 64)}
	at := day(0)
	l.Mark("o", p, "md5-1", at)
	l.Mark("o", p, "", at.Add(time.Hour)) // a check that learnt no md5 keeps the old one
	if e, ok := l.Last("o", p); !ok || e.MD5 != "md5-1" || !e.At.Equal(at.Add(time.Hour)) {
		t.Errorf("last check %+v, %v", e, ok)
	}
	stored := p
	stored.StoredSHA256 = strings.Repeat("b", 64)
	if _, ok := l.Last("o", stored); ok {
		t.Error("a part stored again with other content counts as checked")
	}
	data, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := DecodeCheckLog(data).Last("o", p); !ok || e.MD5 != "md5-1" {
		t.Errorf("after encode and decode: %+v, %v", e, ok)
	}
	l.Keep(func(string) bool { return false })
	if len(l.Parts) != 0 {
		t.Errorf("Keep left %v", l.Parts)
	}
}

// CheckOrder: never checked first (oldest backup first), then least
// recently checked.
func TestCheckOrder(t *testing.T) {
	old, young := fullAt(day(0)), fullAt(day(5))
	parts := []StoredPart{
		{Object: "checked-late", Record: old, Checked: day(9)},
		{Object: "never-young", Record: young},
		{Object: "checked-early", Record: young, Checked: day(7)},
		{Object: "never-old", Record: old},
	}
	CheckOrder(parts)
	var got []string
	for _, p := range parts {
		got = append(got, p.Object)
	}
	if want := "never-old never-young checked-early checked-late"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// PickWithin: first fit within the budget, in order; the first part always.
func TestPickWithin(t *testing.T) {
	sized := func(sizes ...int64) []StoredPart {
		var out []StoredPart
		for i, n := range sizes {
			out = append(out, StoredPart{Object: string(rune('a' + i)), Part: Part{StoredBytes: n}})
		}
		return out
	}
	for _, c := range []struct {
		sizes  []int64
		budget int64
		want   string
	}{
		{[]int64{4, 4, 4}, 8, "ab"},
		{[]int64{4, 6, 3, 1}, 8, "acd"}, // b does not fit after a: smaller ones do
		{[]int64{20, 1}, 8, "a"},        // too big for any budget: read alone, first
		{[]int64{3, 20, 5}, 8, "ac"},
		{nil, 8, ""},
	} {
		var got string
		for _, p := range PickWithin(sized(c.sizes...), c.budget) {
			got += p.Object
		}
		if got != c.want {
			t.Errorf("sizes %v within %d: picked %q, want %q", c.sizes, c.budget, got, c.want)
		}
	}
}
