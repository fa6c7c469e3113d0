package manifest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// What parents cost: two years of daily backups of a desktop-like disk,
// with the real parent choice (ChooseParent), the real remote retention
// (PlanRetention: last 7, daily 14, weekly 8, monthly 12) and the real
// local retention (PlanLocal, keep_local 2, Pinned). The table it makes is
// docs/prune.md's; go test -run TestTiersTable -update ./manifest/ writes
// it, and otherwise the test fails if the doc is not what the code does.

// churnDisk is the disk as blocks, each with the day it was last written.
// 5% of it is hot, and half of the hot blocks are rewritten each day; the
// rest gets 0.2% a day, at random.
type churnDisk struct {
	blocks  int
	hot     int
	rng     *rand.Rand
	history [][]int16 // history[d][b]: the day block b was last written, as of day d
}

func newChurnDisk(blocks int, seed uint64) *churnDisk {
	return &churnDisk{blocks: blocks, hot: blocks / 20, rng: rand.New(rand.NewPCG(seed, seed))}
}

// day moves the disk on by one day of writes.
func (d *churnDisk) day(n int) {
	cur := make([]int16, d.blocks)
	if n > 0 {
		copy(cur, d.history[n-1])
	}
	write := func(b int) { cur[b] = int16(n) }
	for range d.hot / 2 {
		write(d.rng.IntN(d.hot))
	}
	cold := d.blocks - d.hot
	for range cold / 500 {
		write(d.hot + d.rng.IntN(cold))
	}
	d.history = append(d.history, cur)
}

// diff is the size, in blocks, of an incremental from day from to day to:
// the blocks written in between.
func (d *churnDisk) diff(from, to int) int {
	n := 0
	for _, last := range d.history[to] {
		if int(last) > from {
			n++
		}
	}
	return n
}

// tierRow is one line of the table.
type tierRow struct {
	name           string
	policy         ParentPolicy
	stored         float64 // mean remote storage over the second year, in fulls
	maxStreams     int     // streams a restore replays, at most
	meanStreams    float64
	uploadsPerYear float64 // in fulls
	maxLocal       int     // local snapshots on disk, at most
	maxLocalExtra  float64 // disk the oldest local snapshot holds beyond the live data, in fulls, at most
	fullsPerYear   float64
	meanPinned     float64
	// fallbacks counts parents chosen higher up because the wanted one
	// was gone from the local disk: local retention must never cause one.
	fallbacks int
}

const simDays = 730

func simulateTiers(p ParentPolicy, disk *churnDisk) tierRow {
	r := tierRow{policy: p}
	keep := Retention{Last: 7, Daily: 14, Weekly: 8, Monthly: 12}
	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	var committed []*Record
	var local []string
	dayOf := map[string]int{}
	var storedSum, uploaded float64
	var streams, fulls, pinnedSum int
	for n := range simDays {
		now := start.AddDate(0, 0, n)
		parent, reason := ChooseParent(p, committed, local, now, false)
		if strings.Contains(reason, "no longer on local disk") {
			r.fallbacks++
		}
		rec := backupAt(now, parent)
		size := disk.blocks
		if parent != nil {
			size = disk.diff(dayOf[parent.Snapshot], n)
		} else {
			fulls++
		}
		rec.StoredBytes = int64(size)
		dayOf[rec.Snapshot] = n
		uploaded += float64(size)
		streams += rec.Depth + 1
		r.maxStreams = max(r.maxStreams, rec.Depth+1)
		committed = append(committed, rec)
		local = append(local, rec.Snapshot)

		pinned := Pinned(p, committed)
		pinnedSum += len(pinned)
		for _, name := range PlanLocal(local, 2, pinned) {
			local = slices.DeleteFunc(local, func(s string) bool { return s == name })
		}
		r.maxLocal = max(r.maxLocal, len(local))
		oldest := slices.MinFunc(local, func(a, b string) int { return dayOf[a] - dayOf[b] })
		r.maxLocalExtra = max(r.maxLocalExtra, float64(disk.diff(dayOf[oldest], n))/float64(disk.blocks))

		var kept []*Record
		var stored int64
		for _, d := range PlanRetention(committed, keep, time.UTC, now) {
			if d.Keep {
				kept = append(kept, d.Record)
				stored += d.Record.StoredBytes
			}
		}
		committed = kept
		if n >= simDays/2 {
			storedSum += float64(stored)
		}
	}
	full := float64(disk.blocks)
	r.stored = storedSum / float64(simDays-simDays/2) / full
	r.meanStreams = float64(streams) / simDays
	r.uploadsPerYear = uploaded / 2 / full
	r.fullsPerYear = float64(fulls) / 2
	r.meanPinned = float64(pinnedSum) / simDays
	return r
}

// tierPolicies are the rows: the default chain, today's tiered, and
// deeper trees.
var tierPolicies = []struct {
	name string
	p    ParentPolicy
}{
	{"chain (full_every 30d, max_chain 30)", ParentPolicy{Mode: ModeChain, FullEvery: 30 * 24 * time.Hour, MaxChain: 30}},
	{"tiered [month, week]", ParentPolicy{Mode: ModeTiered, Tiers: []string{TierMonth, TierWeek}}},
	{"tiered [quarter, month, week]", ParentPolicy{Mode: ModeTiered, Tiers: []string{TierQuarter, TierMonth, TierWeek}}},
	{"tiered [year, month, week]", ParentPolicy{Mode: ModeTiered, Tiers: []string{TierYear, TierMonth, TierWeek}}},
	{"tiered [year, quarter, month, week]", ParentPolicy{Mode: ModeTiered, Tiers: []string{TierYear, TierQuarter, TierMonth, TierWeek}}},
}

const (
	tableBegin = "<!-- tiers-table: generated by TestTiersTable (manifest/tiers_sim_test.go); do not edit -->"
	tableEnd   = "<!-- end of tiers-table -->"
	tableDoc   = "../docs/prune.md"
	simSeed    = 20261129
)

func TestTiersTable(t *testing.T) {
	t.Logf("seed %d", simSeed)
	disk := newChurnDisk(10000, simSeed)
	for n := range simDays {
		disk.day(n)
	}
	var rows []tierRow
	for _, tp := range tierPolicies {
		r := simulateTiers(tp.p, disk)
		r.name = tp.name
		rows = append(rows, r)
	}
	checkTiersSane(t, rows)
	table := renderTiersTable(rows)
	doc, err := os.ReadFile(tableDoc)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := bytes.Cut(doc, []byte(tableBegin))
	_, after, ok2 := bytes.Cut(rest, []byte(tableEnd))
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the markers %q ... %q", tableDoc, tableBegin, tableEnd)
	}
	want := string(before) + tableBegin + "\n" + table + tableEnd + string(after)
	if *update {
		if err := os.WriteFile(tableDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != want {
		t.Errorf("the table in %s is not what the simulation gives; run go test -run TestTiersTable -update ./manifest/ and review it:\n%s", tableDoc, table)
	}
}

// checkTiersSane holds the simulation to what the parent rules promise,
// whatever the numbers: bounded restore depth, and the chain's depth bound.
func checkTiersSane(t *testing.T, rows []tierRow) {
	for _, r := range rows {
		limit := r.policy.MaxChain + 1
		if r.policy.Mode == ModeTiered {
			limit = len(r.policy.Tiers) + 1
		}
		if r.maxStreams > limit {
			t.Errorf("%s: a restore replays %d streams, the rules allow %d", r.name, r.maxStreams, limit)
		}
		if r.fallbacks > 0 {
			t.Errorf("%s: %d backups lost their parent to local retention: it must keep pinned parents", r.name, r.fallbacks)
		}
		if r.stored <= 0 || r.uploadsPerYear < 1 {
			t.Errorf("%s: stored %v, uploads %v: the simulation did not run", r.name, r.stored, r.uploadsPerYear)
		}
	}
}

func renderTiersTable(rows []tierRow) string {
	var b strings.Builder
	b.WriteString("| parents | remote storage (fulls) | vs chain | restore streams, max / mean | uploads a year (fulls) | fulls a year | local snapshots, max (pinned, mean) | local disk held by old snapshots, max (fulls) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	chain := rows[0].stored
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.1f | %.0f%% | %d / %.1f | %.1f | %.0f | %d (%.1f) | %.2f |\n", r.name, r.stored, 100*r.stored/chain,
			r.maxStreams, r.meanStreams, r.uploadsPerYear, r.fullsPerYear, r.maxLocal, r.meanPinned, r.maxLocalExtra)
	}
	return b.String()
}
