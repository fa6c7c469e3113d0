package main

import (
	"os"
	"reflect"
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
