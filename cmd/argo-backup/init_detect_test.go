package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestProposeSubvolumes(t *testing.T) {
	cases := []struct {
		file string
		want []proposal
	}{
		{"testdata/mountinfo-gentoo.txt", []proposal{
			{"root", "/", "/@"},
			{"home", "/home", "/@home"},
			{"var-log", "/var/log", "/@var-log"},
		}},
		{"testdata/mountinfo-opensuse.txt", []proposal{
			{"home", "/home", "/@/home"},
			{"root", "/root", "/@/root"},
			{"var", "/var", "/@/var"},
		}},
	}
	for _, c := range cases {
		f, err := os.Open(c.file)
		if err != nil {
			t.Fatal(err)
		}
		got := proposeSubvolumes(f)
		f.Close()
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.file, got, c.want)
		}
	}
}

// Two filesystems both mounted at their top level are two proposals, with
// names of their own, not one "subvolume /".
func TestProposeSubvolumesPerFilesystem(t *testing.T) {
	mountinfo := strings.Join([]string{
		"40 1 0:31 / /data rw - btrfs /dev/sdb1 rw,subvolid=5,subvol=/",
		"41 1 0:32 / /backup-disk rw - btrfs /dev/sdc1 rw,subvolid=5,subvol=/",
	}, "\n")
	got := proposeSubvolumes(strings.NewReader(mountinfo))
	want := []proposal{{"root-2", "/backup-disk", "/"}, {"root", "/data", "/"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
