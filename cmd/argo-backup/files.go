package main

import (
	"errors"
	"io/fs"
	"os"
)

var errNoFile = errors.New("no such file")

func statFile(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errNoFile
	}
	return fi, err
}
