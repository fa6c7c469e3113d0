package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// startProfiles writes a CPU profile to $ARGO_CPUPROFILE, at exit an
// allocation profile to $ARGO_MEMPROFILE and the CPU seconds of the
// program and of its children (btrfs send) to $ARGO_RUSAGE: undocumented,
// for measuring the real binary on a real snapshot (docs/performance.md,
// "Where the CPU goes"), which the in-process benchmarks cannot do. The
// returned function ends them; it is a no-op when none is set.
func startProfiles() func() {
	cpu, mem := os.Getenv("ARGO_CPUPROFILE"), os.Getenv("ARGO_MEMPROFILE")
	stop := func() {}
	if path := os.Getenv("ARGO_RUSAGE"); path != "" {
		stop = func() { writeRusage(path) }
	}
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_CPUPROFILE: %v\n", err)
		} else if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_CPUPROFILE: %v\n", err)
			f.Close()
		} else {
			rusage := stop
			stop = func() { pprof.StopCPUProfile(); f.Close(); rusage() }
		}
	}
	if mem == "" {
		return stop
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		peakHeapProfile(mem, done)
	}()
	return func() {
		stop()
		close(done)
		<-finished
		if f, err := os.Create(mem + ".exit"); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
}

// peakHeapProfile writes the heap profile (in use) to path each time the
// heap in use has grown past its largest so far, sampled every 100 ms, until
// done is closed: what is live when the memory peaks. At exit, all that
// was allocated goes to path.exit.
func peakHeapProfile(path string, done <-chan struct{}) {
	var peak uint64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse <= peak+peak/50 {
			continue
		}
		peak = ms.HeapInuse
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "argo-backup: ARGO_MEMPROFILE: %v\n", err)
			return
		}
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
}

// writeRusage writes "self_user self_sys children_user children_sys", in
// seconds, to path.
func writeRusage(path string) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	line := fmt.Sprintf("%.3f %.3f %.3f %.3f\n", sec(self.Utime), sec(self.Stime), sec(children.Utime), sec(children.Stime))
	if err := os.WriteFile(path, []byte(line), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "argo-backup: ARGO_RUSAGE: %v\n", err)
	}
}
