package config

import (
	"fmt"

	"github.com/argo-backup/argo-backup/internal/errs"
	"github.com/argo-backup/argo-backup/remote"
)

// DefaultTransfers is how many parts move over the network at once unless
// transfers says otherwise: enough to keep a line with tens of milliseconds
// of latency busy, few enough to stay within the memory budget.
const DefaultTransfers = 4

// MaxTransfers bounds transfers: each transfer in flight holds a sealed part
// in memory, and more than this buys nothing on any real line.
const MaxTransfers = 64

// ValidTransfers checks a transfers value (from the config or --transfers,
// named by key). The error is a user error.
func ValidTransfers(key string, n int) error {
	if n < 1 || n > MaxTransfers {
		return errs.Userf("%s %d: must be between 1 and %d (parts moved at once; %d is a good default)",
			key, n, MaxTransfers, DefaultTransfers)
	}
	return nil
}

// ParseBwLimit parses a bwlimit value (from the config or --bwlimit, named
// by key) in rclone's syntax. "" is no limit. The error is a user error.
func ParseBwLimit(key, s string) (remote.BwLimit, error) {
	b, err := remote.ParseBwLimit(s)
	if err != nil {
		return b, errs.User(fmt.Errorf("%s: %w", key, err))
	}
	return b, nil
}
