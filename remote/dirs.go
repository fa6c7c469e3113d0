package remote

import (
	"context"
	"slices"
	"strings"

	"github.com/rclone/rclone/fs"
)

// Dirs returns the names of the directories directly under dir ("" for
// the store root), sorted, without looking deeper: one listing call, where
// List would walk every object below. A directory that does not exist
// lists as empty, and one that cannot be read is an error, as in List.
func (s *Store) Dirs(ctx context.Context, dir string) ([]string, error) {
	dir = strings.Trim(dir, "/")
	ctx, counted := countedErrors(ctx)
	des, err := s.f.List(ctx, dir)
	err = listError(err, counted())
	if err != nil && !isNotFound(err) {
		return nil, s.wrap("listing", dir+"/", err)
	}
	if err != nil {
		if err := s.confirmMissing(ctx, dir); err != nil {
			return nil, err
		}
	}
	var names []string
	for _, de := range des {
		if d, ok := de.(fs.Directory); ok {
			names = append(names, strings.TrimPrefix(strings.TrimPrefix(d.Remote(), dir), "/"))
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
