package restore

import (
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// DefaultBudget is verify.budget when the config leaves it out: about what
// a home line downloads in a few minutes, so a daily check never gets in
// the way, and 500 GB are read back within a year.
const DefaultBudget = "2GiB"

// Budget bounds one budgeted verify: the bytes it downloads, or the time it
// spends. Exactly one of the two is set.
type Budget struct {
	Bytes    int64
	Duration time.Duration
}

// ParseBudget reads a budget written as a size with a unit ("2GiB", "500MB")
// or as a duration ("20m", "1h30m"). A size needs its B, because "20m"
// reads as twenty minutes.
func ParseBudget(s string) (Budget, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("budget %q: write a size like 2GiB or a duration like 20m", s)
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return Budget{}, bad
		}
		return Budget{Duration: d}, nil
	}
	if !strings.HasSuffix(strings.ToLower(s), "b") {
		return Budget{}, bad
	}
	n, err := humanize.ParseBytes(s)
	if err != nil || n == 0 || n > 1<<62 {
		return Budget{}, bad
	}
	return Budget{Bytes: int64(n)}, nil
}

func (b Budget) String() string {
	if b.Duration > 0 {
		return b.Duration.String()
	}
	return humanize.IBytes(uint64(b.Bytes))
}
