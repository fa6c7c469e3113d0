// Command bigtree makes the generated tree of the bench's "Browsing big
// trees" (scripts/bench/index-read.sh) and its daily changes, fast and the
// same on every run:
//
//	bigtree -files 1000000 -big 100000 DIR   # the tree
//	bigtree -day 17 DIR                        # day 17's changes
//
// The tree: DIR/big holds -big files (one directory of that many
// entries), DIR/tree/dNNNN/ the rest, 1,000 a directory; each file holds a
// few bytes (btrfs keeps them inline). report-N.txt files, one in every
// 10,000th place, are what the bench's find looks for.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

const perDir = 1000

func main() {
	files := flag.Int("files", 1000000, "files in all")
	big := flag.Int("big", 100000, "files in DIR/big")
	day := flag.Int("day", 0, "make day N's changes to an existing tree instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bigtree [-files N -big N | -day N] DIR")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	var err error
	if *day > 0 {
		err = changeDay(dir, *day, *files, *big)
	} else {
		err = makeTree(dir, *files, *big)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigtree:", err)
		os.Exit(1)
	}
}

func fileName(i int) string {
	if i%10000 == 42 {
		return fmt.Sprintf("report-%d.txt", i/10000)
	}
	return fmt.Sprintf("file-%07d.txt", i)
}

func subdir(dir string, d int) string { return filepath.Join(dir, "tree", fmt.Sprintf("d%04d", d)) }

func makeTree(dir string, files, big int) error {
	if err := os.MkdirAll(filepath.Join(dir, "big"), 0o755); err != nil {
		return err
	}
	for i := range big {
		if err := write(filepath.Join(dir, "big", fileName(i)), i); err != nil {
			return err
		}
	}
	for i := big; i < files; i++ {
		d := subdir(dir, (i-big)/perDir)
		if (i-big)%perDir == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		if err := write(filepath.Join(d, fileName(i)), i); err != nil {
			return err
		}
	}
	return nil
}

func write(path string, i int) error {
	return os.WriteFile(path, fmt.Appendf(nil, "file %d\n", i), 0o644)
}

// changeDay makes a day's small changes: three files appended to, two
// added, one renamed; every 7th day a file added to DIR/big, every 30th a
// directory of 1,000 files renamed. Files or directories already moved by
// an earlier day are skipped (the change is then smaller).
func changeDay(dir string, day, files, big int) error {
	rng := rand.New(rand.NewPCG(uint64(day), 1))
	dirs := (files - big + perDir - 1) / perDir
	if dirs == 0 {
		return fmt.Errorf("no directories under %s/tree", dir)
	}
	pick := func() string {
		i := big + rng.IntN(files-big)
		return filepath.Join(subdir(dir, (i-big)/perDir), fileName(i))
	}
	for range 3 {
		f, err := os.OpenFile(pick(), os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			fmt.Fprintf(f, "day %d\n", day)
			f.Close()
		}
	}
	for k := range 2 {
		d := subdir(dir, rng.IntN(dirs))
		os.WriteFile(filepath.Join(d, fmt.Sprintf("new-%03d-%d.txt", day, k)), []byte("new\n"), 0o644)
	}
	p := pick()
	os.Rename(p, p+".old")
	if day%7 == 0 {
		os.WriteFile(filepath.Join(dir, "big", fmt.Sprintf("day-%03d.txt", day)), []byte("day\n"), 0o644)
	}
	if day%30 == 0 {
		d := subdir(dir, rng.IntN(dirs))
		os.Rename(d, fmt.Sprintf("%s-moved-%03d", d, day))
	}
	return nil
}
