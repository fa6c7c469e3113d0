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

// Two filesystems both mounted at their top level are two proposals named
// after their mount points, and a second btrfs never makes @ "root-2",
// whatever the order of the mounts.
func TestProposeSubvolumesPerFilesystem(t *testing.T) {
	cases := []struct {
		mountinfo []string
		want      []proposal
	}{
		{[]string{
			"40 1 0:31 / /data rw - btrfs /dev/sdb1 rw,subvolid=5,subvol=/",
			"41 1 0:32 / /backup-disk rw - btrfs /dev/sdc1 rw,subvolid=5,subvol=/",
		}, []proposal{{"backup-disk", "/backup-disk", "/"}, {"data", "/data", "/"}}},
		{[]string{
			"40 1 0:31 / /mnt/data\\040disk rw - btrfs /dev/sdb1 rw,subvolid=5,subvol=/",
			"41 1 0:32 / / rw - btrfs /dev/sda2 rw,subvolid=256,subvol=/@",
			"42 1 0:32 / /home rw - btrfs /dev/sda2 rw,subvolid=257,subvol=/@home",
			"43 1 0:33 / /mnt/old rw - btrfs /dev/sdc1 rw,subvolid=256,subvol=/@",
		}, []proposal{{"root", "/", "/@"}, {"home", "/home", "/@home"}, {"mnt-data-disk", "/mnt/data disk", "/"}, {"mnt-old", "/mnt/old", "/@"}}},
	}
	for _, c := range cases {
		got := proposeSubvolumes(strings.NewReader(strings.Join(c.mountinfo, "\n")))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("got %v, want %v", got, c.want)
		}
	}
}
