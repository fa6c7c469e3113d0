package remote

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/walk"
)

// List returns every object under dir ("" for the whole store), however
// deep, sorted by name. Names are relative to the store root, not to dir.
// A directory that does not exist lists as empty: object stores have no
// directories, so "missing" and "empty" cannot be told apart everywhere.
// A directory that exists but could not be read is an error, also where
// the backend only counts it (see countedErrors): never an empty listing.
//
// Drive allows two objects with one name; then List returns them all and a
// *DuplicatesError, because which of them a read gets is arbitrary.
func (s *Store) List(ctx context.Context, dir string) ([]Entry, error) {
	dir = strings.Trim(dir, "/")
	var entries []Entry
	ctx, counted := countedErrors(ctx)
	err := walk.ListR(ctx, s.f, dir, true, -1, walk.ListObjects, func(des fs.DirEntries) error {
		for _, de := range des {
			if o, ok := de.(fs.Object); ok {
				entries = append(entries, s.entry(ctx, o))
			}
		}
		return nil
	})
	err = listError(err, counted())
	if err != nil && !isNotFound(err) {
		return nil, s.wrap("listing", dir+"/", err)
	}
	if err != nil {
		if err := s.confirmMissing(ctx, dir); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	if dups := Duplicates(entries); len(dups) > 0 {
		return entries, &DuplicatesError{Remote: s.display, Names: dups}
	}
	return entries, nil
}

// Duplicates returns, sorted, the names that occur more than once in
// entries.
func Duplicates(entries []Entry) []string {
	seen := make(map[string]int, len(entries))
	var dups []string
	for _, e := range entries {
		seen[e.Name]++
		if seen[e.Name] == 2 {
			dups = append(dups, e.Name)
		}
	}
	slices.Sort(dups)
	return dups
}

// DuplicatesError names objects stored twice under one name.
type DuplicatesError struct {
	Remote string
	Names  []string
}

func (e *DuplicatesError) Error() string {
	return fmt.Sprintf("%d names on %s are stored more than once (first: %s): keep one copy of each (rclone dedupe does this)",
		len(e.Names), e.Remote, e.Names[0])
}
