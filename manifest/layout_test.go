package manifest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// The layout fields round-trip byte for byte, so a record's hash (which
// endorsements name) is the same after decoding, and a record without them
// (older versions) encodes exactly as before.
func TestLayoutFieldsRoundTrip(t *testing.T) {
	r := goldenRecord()
	plain, err := EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte("fs_uuid")) || bytes.Contains(plain, []byte("layout")) {
		t.Errorf("a record without a layout names layout fields:\n%s", plain)
	}
	r.FSUUID, r.SubvolPath, r.SnapshotDir = "0b4d2c1e-6a43-4a1b-9a51-5a5c0f1f0a11", "@home", "/.snapshots/argo-backup"
	r.Layout = []LayoutEntry{{Subvol: "@var-cache", Mountpoint: "/var/cache", Mode: 0o755}, {Subvol: "@home/.snapshots", Mode: 0o750}}
	first, err := EncodeRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := DecodeRecord(first)
	if err != nil {
		t.Fatal(err)
	}
	again, err := EncodeRecord(decoded)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) || !reflect.DeepEqual(decoded.Layout, r.Layout) {
		t.Errorf("layout fields do not round-trip:\n%s\n---\n%s", first, again)
	}
	for _, want := range []string{`"fs_uuid": "0b4d2c1e-`, `"subvol_path": "@home"`, `"mode": 488`} {
		if !strings.Contains(string(first), want) {
			t.Errorf("record lacks %s:\n%s", want, first)
		}
	}
}

func TestCleanSubvolPath(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"@home", "@home", true},
		{"/@home", "@home", true},
		{"@home/.snapshots", "@home/.snapshots", true},
		{"", "", false},
		{"/", "", false},
		{"..", "", false},
		{"../etc", "", false},
		{"@/../../etc", "", false},
		{"@home/", "", false},
		{"a//b", "", false},
	} {
		got, ok := CleanSubvolPath(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("CleanSubvolPath(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMountFor(t *testing.T) {
	layout := []LayoutEntry{
		{Subvol: "@", Mountpoint: "/"},
		{Subvol: "@snapshots", Mountpoint: "/.snapshots"},
		{Subvol: "@home", Mountpoint: "/home"},
		{Subvol: "@home/.snapshots"},
	}
	for _, tc := range []struct{ dir, subvol, rest string }{
		{"/.snapshots/argo-backup", "@snapshots", "argo-backup"},
		{"/.snapshots", "@snapshots", ""},
		{"/homework/x", "@", "homework/x"},
		{"/home/.snapshots/argo", "@home", ".snapshots/argo"},
		{"/var/lib/argo-backup/snapshots", "@", "var/lib/argo-backup/snapshots"},
	} {
		e, rest, ok := MountFor(layout, tc.dir)
		if !ok || e.Subvol != tc.subvol || rest != tc.rest {
			t.Errorf("MountFor(%q) = %q %q %v; want %q %q", tc.dir, e.Subvol, rest, ok, tc.subvol, tc.rest)
		}
	}
	if _, _, ok := MountFor(layout[1:], "/var/x"); ok {
		t.Error("MountFor found a mount for a directory no mountpoint holds")
	}
}
