// Command manyfiles writes a tree of many small files fast, for the
// benchmark of the file index at scale (scripts/bench/index.sh): DIR/dNNNN
// directories of -per-dir files each, sizes and bytes from a seeded
// generator, written by a few goroutines at once.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

func main() {
	dir := flag.String("dir", "", "where to write the tree (must exist)")
	files := flag.Int("files", 1000000, "how many files")
	perDir := flag.Int("per-dir", 1000, "files per directory")
	maxSize := flag.Int("max-size", 512, "largest file, bytes (sizes are uniform in 1..max-size)")
	seed := flag.Uint64("seed", 1, "seed of sizes and contents")
	workers := flag.Int("workers", 4, "goroutines writing at once")
	flag.Parse()
	if *dir == "" || *files < 1 || *perDir < 1 || *maxSize < 1 {
		fmt.Fprintln(os.Stderr, "manyfiles: usage: manyfiles -dir DIR [-files N] [-per-dir N] [-max-size BYTES] [-seed N]")
		os.Exit(2)
	}
	fmt.Printf("manyfiles: %d files, %d a directory, seed %d\n", *files, *perDir, *seed)
	dirs := (*files + *perDir - 1) / *perDir
	work := make(chan int)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				n := min(*perDir, *files-d**perDir)
				if err := writeDir(filepath.Join(*dir, fmt.Sprintf("d%04d", d)), n, *maxSize, *seed, d); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for d := range dirs {
		work <- d
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		fmt.Fprintln(os.Stderr, "manyfiles:", err)
		os.Exit(1)
	}
}

// writeDir writes one directory of n files.
func writeDir(dir string, n, maxSize int, seed uint64, d int) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, uint64(d)))
	buf := make([]byte, maxSize)
	for f := range n {
		b := buf[:1+rng.IntN(maxSize)]
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%05d", f)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
