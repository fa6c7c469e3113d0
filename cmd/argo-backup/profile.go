package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile to $ARGO_CPUPROFILE and, at exit, a
// heap profile to $ARGO_MEMPROFILE: undocumented, for measuring the real
// binary on a real snapshot (docs/performance.md, "Where the CPU goes"),
// which the in-process benchmarks cannot do. The returned function ends
// them; it is a no-op when neither variable is set.
func startProfiles() func() {
	cpu, mem := os.Getenv("ARGO_CPUPROFILE"), os.Getenv("ARGO_MEMPROFILE")
	stop := func() {}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_CPUPROFILE: %v\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_CPUPROFILE: %v\n", err)
			f.Close()
		} else {
			stop = func() { pprof.StopCPUProfile(); f.Close() }
		}
	}
	if mem == "" {
		return stop
	}
	return func() {
		stop()
		f, err := os.Create(mem)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_MEMPROFILE: %v\n", err)
			return
		}
		defer f.Close()
		runtime.GC()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_MEMPROFILE: %v\n", err)
		}
	}
}
