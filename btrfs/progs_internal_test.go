package btrfs

import (
	"testing"
	"unsafe"
)

func TestParseProgsVersion(t *testing.T) {
	tests := []struct {
		out  string
		want Version
	}{
		{"btrfs-progs v6.2", Version{6, 2}},
		{"btrfs-progs v6.2.1", Version{6, 2}},
		{"btrfs-progs v6.10.1\n-EXPERIMENTAL -INJECT -STATIC +LZO +ZSTD", Version{6, 10}},
		{"btrfs-progs v5.16.2 ", Version{5, 16}},
	}
	for _, tt := range tests {
		got, err := parseProgsVersion(tt.out)
		if err != nil || got != tt.want {
			t.Errorf("parseProgsVersion(%q) = %v, %v; want %v", tt.out, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "btrfs-progs", "btrfs v6.2", "btrfs-progs vX.Y"} {
		if got, err := parseProgsVersion(bad); err == nil {
			t.Errorf("parseProgsVersion(%q) = %v, want an error", bad, got)
		}
	}
}

func TestVersionAtLeast(t *testing.T) {
	tests := []struct {
		v            Version
		major, minor int
		want         bool
	}{
		{Version{6, 0}, 6, 0, true},
		{Version{6, 18}, 6, 0, true},
		{Version{7, 0}, 6, 5, true},
		{Version{5, 19}, 6, 0, false},
		{Version{6, 1}, 6, 2, false},
	}
	for _, tt := range tests {
		if got := tt.v.AtLeast(tt.major, tt.minor); got != tt.want {
			t.Errorf("%v.AtLeast(%d, %d) = %v", tt.v, tt.major, tt.minor, got)
		}
	}
}

// TestProto2Supported states the facts (FACTS.md) row by row: the kernel
// generates protocol 2 from 6.0, btrfs-progs knows --proto and
// --compressed-data from 6.0; both are needed.
func TestProto2Supported(t *testing.T) {
	tests := []struct {
		kernel, progs Version
		want          bool
	}{
		{Version{6, 0}, Version{6, 0}, true},
		{Version{6, 18}, Version{6, 17}, true},
		{Version{7, 1}, Version{6, 2}, true},
		{Version{5, 19}, Version{6, 2}, false},  // kernel too old
		{Version{6, 18}, Version{5, 19}, false}, // progs too old
		{Version{5, 15}, Version{5, 16}, false},
		{Version{4, 20}, Version{7, 0}, false},
	}
	for _, tt := range tests {
		if got := proto2Supported(tt.kernel, tt.progs); got != tt.want {
			t.Errorf("proto2Supported(kernel %v, progs %v) = %v, want %v", tt.kernel, tt.progs, got, tt.want)
		}
	}
}

// The ioctl number encodes the argument size; a wrong struct layout would
// make the kernel write past it.
func TestGetSubvolInfoArgsSize(t *testing.T) {
	const sizeInIoctl = (iocGetSubvolInfo >> 16) & 0x3fff
	if got := unsafe.Sizeof(getSubvolInfoArgs{}); got != sizeInIoctl {
		t.Errorf("getSubvolInfoArgs is %d bytes, the ioctl says %d", got, sizeInIoctl)
	}
}
