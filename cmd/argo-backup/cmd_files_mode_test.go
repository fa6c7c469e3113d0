package main

import (
	"testing"

	"github.com/argo-backup/argo-backup/index"
)

// ls -l shows modes as ls does; the expectations are what GNU ls prints.
func TestModeString(t *testing.T) {
	for _, tt := range []struct {
		kind string
		mode uint32
		want string
	}{
		{index.KindFile, 0o644, "-rw-r--r--"},
		{index.KindFile, 0o4755, "-rwsr-xr-x"},
		{index.KindFile, 0o4644, "-rwSr--r--"},
		{index.KindDir, 0o2750, "drwxr-s---"},
		{index.KindDir, 0o1777, "drwxrwxrwt"},
		{index.KindDir, 0o1776, "drwxrwxrwT"},
		{index.KindSymlink, 0o777, "lrwxrwxrwx"},
		{index.KindFifo, 0o600, "prw-------"},
		{index.KindChar, 0o666, "crw-rw-rw-"},
		{index.KindBlock, 0o660, "brw-rw----"},
		{index.KindSocket, 0o755, "srwxr-xr-x"},
	} {
		if got := modeString(&index.Node{Kind: tt.kind, Mode: tt.mode}); got != tt.want {
			t.Errorf("%s %04o: %q, want %q", tt.kind, tt.mode, got, tt.want)
		}
	}
}
