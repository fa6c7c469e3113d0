package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/argo-backup/argo-backup/internal/config"
)

// The soft memory limit follows part_size, transfers and the number of
// jobs, and GOMEMLIMIT overrides it.
func TestSetMemoryLimit(t *testing.T) {
	saved := debug.SetMemoryLimit(-1)
	limitMemory = true
	t.Cleanup(func() { debug.SetMemoryLimit(saved); limitMemory = false })
	workers := max(2, runtime.NumCPU())
	sealed := int64(32<<20 + (32<<20)/256 + 64<<10) // a 32 MiB part, sealed at worst
	cases := []struct {
		transfers, jobs int
		want            int64
	}{
		{4, 1, int64(max(2*workers+1, 5))*sealed + 64<<20},
		{16, 1, int64(max(2*workers+1, 17))*sealed + 64<<20},
		{4, 3, 3*int64(max(2*workers+1, 5))*sealed + 64<<20},
	}
	for _, c := range cases {
		setMemoryLimit(&config.Config{PartSize: 32 << 20, Transfers: c.transfers}, c.jobs)
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("transfers %d, %d jobs: limit %d, want %d", c.transfers, c.jobs, got, c.want)
		}
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(saved)
	setMemoryLimit(&config.Config{PartSize: 32 << 20, Transfers: 4}, 1)
	if got := debug.SetMemoryLimit(-1); got != saved {
		t.Errorf("with GOMEMLIMIT set the limit became %d", got)
	}
}
