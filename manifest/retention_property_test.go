package manifest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPlanRetentionProperties plans retention for random two-year histories
// with chain and tiered parents and random policies, and checks what a user
// relies on: nothing a kept backup needs is deleted, the newest survives, and
// each rule keeps exactly what it promises.
func TestPlanRetentionProperties(t *testing.T) {
	locations := []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600)}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		records := randomHistory(rng)
		policy := randomRetention(rng)
		loc := locations[rng.IntN(len(locations))]
		now := newest(records).Created.Add(time.Duration(rng.IntN(72)) * time.Hour)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			decisions := PlanRetention(records, policy, loc, now)
			checkRetention(t, records, decisions, policy, loc)
		})
	}
}

// randomHistory returns 1 to 300 backups at random times over two years, in
// random order. Each is a full, or an incremental against the previous
// backup (chain) or against a random earlier one (tiered-like trees).
func randomHistory(rng *rand.Rand) []*Record {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	times := make(map[time.Time]bool)
	for range 1 + rng.IntN(300) {
		times[start.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour))).Truncate(time.Second))] = true
	}
	var records []*Record
	for _, t := range sortedTimes(times) {
		var parent *Record
		switch n := rng.IntN(10); {
		case len(records) == 0 || n == 0:
		case n < 6:
			parent = records[len(records)-1]
		default:
			parent = records[rng.IntN(len(records))]
		}
		records = append(records, backupAt(t, parent))
	}
	rng.Shuffle(len(records), func(i, j int) { records[i], records[j] = records[j], records[i] })
	return records
}

func sortedTimes(set map[time.Time]bool) []time.Time {
	var times []time.Time
	for t := range set {
		times = append(times, t)
	}
	slices.SortFunc(times, time.Time.Compare)
	return times
}

func randomRetention(rng *rand.Rand) Retention {
	count := func() int {
		if rng.IntN(3) == 0 {
			return 0
		}
		return rng.IntN(12)
	}
	return Retention{Last: count(), Hourly: count(), Daily: count(), Weekly: count(), Monthly: count(), Yearly: count()}
}

func checkRetention(t *testing.T, records []*Record, decisions []Decision, policy Retention, loc *time.Location) {
	t.Helper()
	if len(decisions) != len(records) {
		t.Fatalf("%d decisions for %d records", len(decisions), len(records))
	}
	var kept []*Record
	for i, d := range decisions {
		if i > 0 && compareAge(decisions[i-1].Record, d.Record) >= 0 {
			t.Fatalf("decisions not oldest first at %d", i)
		}
		if len(d.Reasons) == 0 {
			t.Errorf("%s: no reason given", d.Record.Snapshot)
		}
		if d.Keep {
			kept = append(kept, d.Record)
		}
	}
	if newest := decisions[len(decisions)-1]; !newest.Keep {
		t.Errorf("newest backup %s deleted", newest.Record.Snapshot)
	}
	for _, r := range kept {
		if _, err := Chain(kept, r.Snapshot); err != nil {
			t.Errorf("kept %s no longer restores: %v", r.Snapshot, err)
		}
	}
	if policy == (Retention{}) {
		if len(kept) != len(records) {
			t.Errorf("no retention configured, yet %d of %d deleted", len(records)-len(kept), len(records))
		}
		return
	}
	checkRuleCounts(t, decisions, policy, loc)
}

// checkRuleCounts checks that each rule keeps the first backup of each of
// its most recent periods, as many as it may and no more. The periods are
// worked out here from the GFS definition (periodStart), not with the
// production periodRules, so that a bug there cannot hide.
func checkRuleCounts(t *testing.T, decisions []Decision, policy Retention, loc *time.Location) {
	t.Helper()
	for _, rule := range []struct {
		name  string
		count int
	}{{"hourly", policy.Hourly}, {"daily", policy.Daily}, {"weekly", policy.Weekly}, {"monthly", policy.Monthly}, {"yearly", policy.Yearly}} {
		want := firstOfRecentPeriods(decisions, rule.name, rule.count, loc)
		var got []string
		for _, d := range decisions {
			if slices.ContainsFunc(d.Reasons, func(r string) bool { return strings.HasPrefix(r, rule.name+" ") }) {
				got = append(got, d.Record.Snapshot)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s %d kept %q, want the first of each of its periods %q", rule.name, rule.count, got, want)
		}
	}
	lastKept := 0
	for _, d := range decisions {
		for _, reason := range d.Reasons {
			if strings.HasPrefix(reason, "last ") {
				lastKept++
			}
		}
	}
	if want := min(policy.Last, len(decisions)); lastKept != want {
		t.Errorf("last %d kept %d backups, want %d", policy.Last, lastKept, want)
	}
}

// firstOfRecentPeriods returns, sorted, the names of the oldest backup in
// each of the count most recent periods (of the named length) that have a
// backup.
func firstOfRecentPeriods(decisions []Decision, period string, count int, loc *time.Location) []string {
	first := make(map[int64]*Record) // period start (Unix) -> its oldest backup
	for _, d := range decisions {
		start := periodStart(period, d.Record.Created, loc).Unix()
		if f, ok := first[start]; !ok || d.Record.Created.Before(f.Created) {
			first[start] = d.Record
		}
	}
	starts := slices.Sorted(maps.Keys(first))
	var names []string
	for _, start := range starts[max(0, len(starts)-count):] {
		names = append(names, first[start].Snapshot)
	}
	slices.Sort(names)
	return names
}

// periodStart returns when the period holding t starts, in loc: the hour,
// the day, the week (from Monday, as ISO 8601 and btrbk count them), the
// month or the year.
func periodStart(period string, t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch period {
	case "hourly":
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, loc)
	case "daily":
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case "weekly":
		sinceMonday := (int(t.Weekday()) + 6) % 7
		return time.Date(y, m, d-sinceMonday, 0, 0, 0, 0, loc)
	case "monthly":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "yearly":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	}
	panic("unknown period " + period)
}
