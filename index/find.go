package index

import (
	"path"
	"strings"
)

// Match reports whether a path matches a find pattern: a glob (path.Match
// syntax) of the base name, or of the whole path when the pattern has a
// '/'. A pattern without glob characters matches names that contain it.
func Match(pattern, p string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		if strings.Contains(pattern, "/") {
			return strings.Contains(p, pattern)
		}
		return strings.Contains(path.Base(p), pattern)
	}
	target := path.Base(p)
	if strings.Contains(pattern, "/") {
		target = p
		if !strings.HasPrefix(pattern, "/") {
			pattern = "/" + pattern
		}
	}
	ok, _ := path.Match(pattern, target)
	return ok
}

// ValidPattern returns the error of a malformed glob.
func ValidPattern(pattern string) error {
	_, err := path.Match(pattern, "")
	return err
}
