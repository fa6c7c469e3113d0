package manifest

import (
	"fmt"
	"time"
)

// Parent modes of ParentPolicy.
const (
	// ModeChain sends each backup against the previous one: the smallest
	// incrementals, but a restore replays the whole chain since the full.
	ModeChain = "chain"
	// ModeTiered bounds restore depth to three streams: a monthly full, at
	// most one weekly against it, and dailies against the weekly.
	ModeTiered = "tiered"
)

// ParentPolicy says how the next backup picks its parent.
type ParentPolicy struct {
	Mode      string        // ModeTiered, or ModeChain (also for "" and anything Validate refuses)
	FullEvery time.Duration // a full is due once the chain's full is this old; 0: never forced by age
	MaxChain  int           // most incrementals since the full; 0: unbounded
	// Tiers are the levels above the daily backups in ModeTiered, longest
	// period first, the first being the full (see chooseTiered); empty:
	// DefaultTiers.
	Tiers []string
}

func (p ParentPolicy) tiers() []string {
	if len(p.Tiers) == 0 {
		return DefaultTiers
	}
	return p.Tiers
}

// Validate reports a policy that ChooseParent would not apply as written.
func (p ParentPolicy) Validate() error {
	switch {
	case p.Mode != "" && p.Mode != ModeChain && p.Mode != ModeTiered:
		return fmt.Errorf("parents %q: must be %s or %s", p.Mode, ModeChain, ModeTiered)
	case p.FullEvery < 0:
		return fmt.Errorf("full_every %s: must not be negative", p.FullEvery)
	case p.MaxChain < 0:
		return fmt.Errorf("max_chain %d: must not be negative", p.MaxChain)
	}
	return ValidateTiers(p.Tiers)
}

// ChooseParent picks the parent of the next backup of one subvolume, or nil
// for a full backup; reason says why, for the log. committed holds the
// records of this host and subvolume, local the snapshot names still on the
// local disk.
//
// A parent must be committed, or restore could never reach the new backup;
// it must still exist locally, or btrfs send has nothing to diff against; and
// its own chain must be complete, or building on it only extends a chain that
// cannot be restored. Its depth must also agree with that chain, since the
// new backup's depth is derived from it.
func ChooseParent(p ParentPolicy, committed []*Record, local []string, now time.Time, forceFull bool) (parent *Record, reason string) {
	if forceFull {
		return nil, "--full requested"
	}
	usable := usableParents(committed, local)
	if len(usable) == 0 {
		return nil, "no committed backup to build on"
	}
	if p.Mode == ModeTiered {
		return chooseTiered(p, committed, usable, now)
	}
	return chooseInChain(p, usable, now)
}

// candidate is a usable parent together with its chain.
type candidate struct {
	*Record
	chain []*Record // full .. Record
}

func (c candidate) full() *Record { return c.chain[0] }

// usableParents returns, oldest first, the committed records that may serve
// as a parent (see ChooseParent).
func usableParents(committed []*Record, local []string) []candidate {
	isLocal := make(map[string]bool, len(local))
	for _, name := range local {
		isLocal[name] = true
	}
	var usable []candidate
	for _, r := range oldestFirst(committed) {
		if !isLocal[r.Snapshot] {
			continue
		}
		chain, err := Chain(committed, r.Snapshot)
		if err != nil || r.Depth != len(chain)-1 {
			continue
		}
		usable = append(usable, candidate{Record: r, chain: chain})
	}
	return usable
}

func chooseInChain(p ParentPolicy, usable []candidate, now time.Time) (*Record, string) {
	c := usable[len(usable)-1]
	if reason := fullDue(p, c, now); reason != "" {
		return nil, reason
	}
	return c.Record, fmt.Sprintf("newest committed backup still on local disk; incremental %d since full %s",
		c.Depth+1, c.full().Snapshot)
}

// fullDue returns why building on c would break the policy's bounds, or "".
func fullDue(p ParentPolicy, c candidate, now time.Time) string {
	full := c.full()
	if age := now.Sub(full.Created); p.FullEvery > 0 && age >= p.FullEvery {
		return fmt.Sprintf("full_every %s reached: full %s is %s old", p.FullEvery, full.Snapshot, age.Round(time.Minute))
	}
	if p.MaxChain > 0 && c.Depth >= p.MaxChain {
		return fmt.Sprintf("max_chain %d reached: %s is already incremental %d since its full", p.MaxChain, c.Snapshot, c.Depth)
	}
	return ""
}
