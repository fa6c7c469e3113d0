package manifest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestChooseParentProperties runs a daemon for 400 days per policy, skipping
// random days, losing random local snapshots, failing random uploads and
// forcing the odd --full, and checks every choice against the rules that keep
// backups restorable.
func TestChooseParentProperties(t *testing.T) {
	policies := []ParentPolicy{
		{Mode: ModeChain},
		{Mode: ModeChain, MaxChain: 7},
		{Mode: ModeChain, FullEvery: 30 * 24 * time.Hour, MaxChain: 30},
		{Mode: ModeTiered},
		{Mode: ModeTiered, FullEvery: 10 * 24 * time.Hour},
		{Mode: ModeTiered, MaxChain: 1},
		{Mode: ModeTiered, Tiers: []string{TierQuarter, TierMonth, TierWeek}},
		{Mode: ModeTiered, Tiers: []string{TierYear, TierQuarter, TierMonth, TierWeek}},
		{Mode: ModeTiered, Tiers: []string{TierYear, TierWeek}},
	}
	for _, p := range policies {
		for seed := range uint64(5) {
			t.Run(fmt.Sprintf("%s%v/full_every=%s/max_chain=%d/seed=%d", p.Mode, p.Tiers, p.FullEvery, p.MaxChain, seed), func(t *testing.T) {
				simulateDaemon(t, p, rand.New(rand.NewPCG(seed, 42)))
			})
		}
	}
}

// daemonSim is the state a daemon keeps between runs.
type daemonSim struct {
	committed []*Record
	local     []string
}

func simulateDaemon(t *testing.T, p ParentPolicy, rng *rand.Rand) {
	var sim daemonSim
	now := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	fulls, runs := 0, 400
	for range runs {
		now = now.Add(time.Duration(1+skippedDays(rng)) * 24 * time.Hour)
		runAt := now.Add(time.Duration(rng.IntN(120)) * time.Minute) // the desktop was switched on late
		sim.loseLocalSnapshots(rng)

		parent, reason := ChooseParent(p, sim.committed, sim.local, runAt, rng.IntN(40) == 0)
		sim.checkChoice(t, p, parent, reason, runAt)
		if parent == nil {
			fulls++
		}
		sim.backUp(backupAt(runAt, parent), rng.IntN(20) != 0)
	}
	if maxFulls := runs / 4; fulls > maxFulls {
		t.Errorf("%d fulls in %d runs, expected at most %d: incrementals are not being built", fulls, runs, maxFulls)
	}
}

// skippedDays is usually 0, sometimes a weekend or a holiday.
func skippedDays(rng *rand.Rand) int {
	switch n := rng.IntN(20); {
	case n < 14:
		return 0
	case n < 19:
		return rng.IntN(3)
	default:
		return rng.IntN(15)
	}
}

func (s *daemonSim) loseLocalSnapshots(rng *rand.Rand) {
	s.local = slices.DeleteFunc(s.local, func(string) bool { return rng.IntN(12) == 0 })
}

// backUp takes snapshot r locally, commits it if the upload succeeded and
// applies local retention the way the daemon would.
func (s *daemonSim) backUp(r *Record, uploaded bool) {
	s.local = append(s.local, r.Snapshot)
	if uploaded {
		s.committed = append(s.committed, r)
	}
	needed := map[string]bool{}
	for _, c := range s.committed {
		needed[c.Snapshot] = c.Depth == 0 // keep fulls locally, as a tiered setup would
	}
	for _, name := range PlanLocal(s.local, 3, needed) {
		s.local = slices.DeleteFunc(s.local, func(n string) bool { return n == name })
	}
}

func (s *daemonSim) checkChoice(t *testing.T, p ParentPolicy, parent *Record, reason string, now time.Time) {
	t.Helper()
	if reason == "" {
		t.Fatalf("%s: no reason given", now)
	}
	if parent == nil {
		return
	}
	if !slices.Contains(s.committed, parent) {
		t.Fatalf("%s: parent %s is not committed (%s)", now, parent.Snapshot, reason)
	}
	if !slices.Contains(s.local, parent.Snapshot) {
		t.Fatalf("%s: parent %s is not local (%s)", now, parent.Snapshot, reason)
	}
	chain, err := Chain(s.committed, parent.Snapshot)
	if err != nil {
		t.Fatalf("%s: parent %s cannot be restored: %v", now, parent.Snapshot, err)
	}
	depth := parent.Depth + 1
	if p.Mode == ModeTiered && depth > len(p.tiers()) {
		t.Fatalf("%s: tiered backup at depth %d on %s (%s)", now, depth, parent.Snapshot, reason)
	}
	if p.MaxChain > 0 && depth > p.MaxChain {
		t.Fatalf("%s: depth %d exceeds max_chain %d (%s)", now, depth, p.MaxChain, reason)
	}
	full := chain[0]
	if p.FullEvery > 0 && now.Sub(full.Created) >= p.FullEvery {
		t.Fatalf("%s: built on full %s, older than full_every %s (%s)", now, full.Snapshot, p.FullEvery, reason)
	}
	if first := p.tiers()[0]; p.Mode == ModeTiered && tierPeriod(first, full.Created) != tierPeriod(first, now) {
		t.Fatalf("%s: built on full %s of another %s (%s)", now, full.Snapshot, first, reason)
	}
}
