package manifest

import (
	"strings"
	"testing"
	"time"
)

// parentCase is one ChooseParent scenario; wantParent nil means a full.
type parentCase struct {
	name       string
	policy     ParentPolicy
	committed  []*Record
	local      []*Record
	extraLocal []string // local snapshots without a record: uploads that never committed
	now        time.Time
	forceFull  bool
	wantParent *Record
	wantReason string
}

func (tt parentCase) run(t *testing.T) {
	t.Helper()
	local := append(names(tt.local), tt.extraLocal...)
	parent, reason := ChooseParent(tt.policy, tt.committed, local, tt.now, tt.forceFull)
	if parent != tt.wantParent {
		t.Errorf("parent = %s (%s), want %s", describe(parent), reason, describe(tt.wantParent))
	}
	if !strings.Contains(reason, tt.wantReason) {
		t.Errorf("reason = %q, want one containing %q", reason, tt.wantReason)
	}
}

func describe(r *Record) string {
	if r == nil {
		return "a full"
	}
	return r.Snapshot
}

func TestChooseParentChain(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	b := incrAt(a, day(2))
	history := []*Record{full, a, b}
	chain := ParentPolicy{Mode: ModeChain}
	tests := []parentCase{
		{name: "first backup ever", policy: chain, now: day(0), wantReason: "no committed backup to build on"},
		{name: "--full", policy: chain, committed: history, local: history, now: day(3), forceFull: true, wantReason: "--full requested"},
		{name: "newest committed and local", policy: chain, committed: history, local: history, now: day(3), wantParent: b, wantReason: "incremental 3 since full " + full.Snapshot},
		{name: "empty mode means chain", committed: history, local: history, now: day(3), wantParent: b},
		{name: "uncommitted local snapshot is skipped", policy: chain, committed: history, local: history,
			extraLocal: []string{SnapshotName("home", day(3))}, now: day(4), wantParent: b},
		{name: "newest no longer local: the one before", policy: chain, committed: history, local: []*Record{full, a}, now: day(3), wantParent: a},
		{name: "nothing committed is local", policy: chain, committed: history, extraLocal: []string{"home.20261201T000000Z"}, now: day(3),
			wantReason: "no committed backup to build on"},
		{name: "local but chain broken", policy: chain, committed: []*Record{full, b}, local: []*Record{b}, now: day(3),
			wantReason: "no committed backup to build on"},
		{name: "broken newest skipped for an intact older one", policy: chain, committed: []*Record{full, b}, local: []*Record{full, b}, now: day(3),
			wantParent: full},
		{name: "full_every not yet reached", policy: ParentPolicy{Mode: ModeChain, FullEvery: 72*time.Hour + time.Second}, committed: history, local: history, now: day(3),
			wantParent: b},
		{name: "full_every reached", policy: ParentPolicy{Mode: ModeChain, FullEvery: 72 * time.Hour}, committed: history, local: history, now: day(3),
			wantReason: "full_every 72h0m0s reached: full " + full.Snapshot + " is 72h0m0s old"},
		{name: "max_chain not yet reached", policy: ParentPolicy{Mode: ModeChain, MaxChain: 3}, committed: history, local: history, now: day(3),
			wantParent: b},
		{name: "max_chain reached", policy: ParentPolicy{Mode: ModeChain, MaxChain: 2}, committed: history, local: history, now: day(3),
			wantReason: "max_chain 2 reached"},
		{name: "max_chain counts from the candidate actually used", policy: ParentPolicy{Mode: ModeChain, MaxChain: 2}, committed: history, local: []*Record{full, a}, now: day(3),
			wantParent: a},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestChooseParentSkipsRecordWithWrongDepth(t *testing.T) {
	full := fullAt(day(0))
	a := incrAt(full, day(1))
	a.Depth = 5 // a later backup's depth would be wrong too
	parentCase{policy: ParentPolicy{Mode: ModeChain}, committed: []*Record{full, a}, local: []*Record{full, a}, now: day(2), wantParent: full}.run(t)
}

func TestChooseParentTiered(t *testing.T) {
	tiered := ParentPolicy{Mode: ModeTiered}
	quarterly := ParentPolicy{Mode: ModeTiered, Tiers: []string{TierQuarter, TierMonth, TierWeek}}
	// day(0) is Monday 2026-11-02; day(7) starts the next ISO week.
	full := fullAt(day(0))
	weekly := incrAt(full, day(1))
	daily := incrAt(weekly, day(2))
	nextWeekDaily := incrAt(weekly, day(8))
	october := fullAt(time.Date(2026, 10, 30, 3, 0, 0, 0, time.UTC))

	// Across a month boundary inside one ISO week (2026-W48 runs Mon
	// 2026-11-30 to Sun 2026-12-06): December's full must not reuse
	// November's weekly.
	novFull := fullAt(time.Date(2026, 11, 16, 3, 0, 0, 0, time.UTC))
	novWeekly := incrAt(novFull, time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC))
	decFull := fullAt(time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC))
	boundary := []*Record{novFull, novWeekly, decFull}

	tests := []parentCase{
		{name: "first backup ever", policy: tiered, now: day(0), wantReason: "no committed backup to build on"},
		{name: "--full", policy: tiered, committed: []*Record{full}, local: []*Record{full}, now: day(1), forceFull: true, wantReason: "--full requested"},
		{name: "first of the week goes against the full", policy: tiered, committed: []*Record{full}, local: []*Record{full}, now: day(1),
			wantParent: full, wantReason: "first backup of ISO week 2026-W45"},
		{name: "then against the week's weekly", policy: tiered, committed: []*Record{full, weekly}, local: []*Record{full, weekly}, now: day(2),
			wantParent: weekly, wantReason: "against weekly"},
		{name: "never against a daily", policy: tiered, committed: []*Record{full, weekly, daily}, local: []*Record{full, weekly, daily}, now: day(3),
			wantParent: weekly},
		{name: "a new week gets a new weekly", policy: tiered, committed: []*Record{full, weekly, daily}, local: []*Record{full, weekly, daily}, now: day(7),
			wantParent: full, wantReason: "first backup of ISO week 2026-W46"},
		{name: "last week's weekly is not this week's", policy: tiered, committed: []*Record{full, weekly, nextWeekDaily}, local: []*Record{full, weekly, nextWeekDaily}, now: day(9),
			wantParent: full},
		{name: "weekly gone locally: against the full", policy: tiered, committed: []*Record{full, weekly, daily}, local: []*Record{full, daily}, now: day(3),
			wantParent: full, wantReason: "weekly " + weekly.Snapshot + " is no longer on local disk"},
		{name: "full gone locally: a new full", policy: tiered, committed: []*Record{full, weekly}, local: []*Record{weekly}, now: day(2),
			wantReason: "newest full " + full.Snapshot + " is no longer on local disk"},
		{name: "a new month needs a new full", policy: tiered, committed: []*Record{october}, local: []*Record{october}, now: day(0),
			wantReason: "monthly full due: newest full " + october.Snapshot + " is from 2026-10"},
		{name: "the month is counted in UTC", policy: tiered, committed: []*Record{october}, local: []*Record{october},
			now: time.Date(2026, 11, 1, 0, 30, 0, 0, time.FixedZone("PST", -8*3600)), wantReason: "monthly full due"},
		{name: "month boundary inside a week", policy: tiered, committed: boundary, local: boundary, now: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC),
			wantParent: decFull, wantReason: "first backup of ISO week 2026-W49"},
		{name: "full_every applies to the full", policy: ParentPolicy{Mode: ModeTiered, FullEvery: 48 * time.Hour}, committed: []*Record{full, weekly}, local: []*Record{full, weekly}, now: day(2),
			wantReason: "full_every 48h0m0s reached"},
		{name: "quarterly tiers: first of the month against the full", policy: quarterly, committed: []*Record{full}, local: []*Record{full}, now: day(1),
			wantParent: full, wantReason: "first backup of month 2026-11: against full"},
		{name: "quarterly tiers: then the week's first against the monthly", policy: quarterly, committed: []*Record{full, weekly}, local: []*Record{full, weekly}, now: day(2),
			wantParent: weekly, wantReason: "first backup of ISO week 2026-W45: against monthly"},
		{name: "quarterly tiers: dailies against the weekly", policy: quarterly, committed: []*Record{full, weekly, daily}, local: []*Record{full, weekly, daily}, now: day(3),
			wantParent: daily, wantReason: "against weekly " + daily.Snapshot},
		{name: "quarterly tiers: a new month does not need a new full", policy: quarterly, committed: []*Record{october}, local: []*Record{october}, now: day(0),
			wantParent: october, wantReason: "first backup of month 2026-11"},
		{name: "yearly tiers: a new year needs a new full", policy: ParentPolicy{Mode: ModeTiered, Tiers: []string{TierYear, TierWeek}}, committed: []*Record{october}, local: []*Record{october},
			now: time.Date(2027, 1, 4, 3, 0, 0, 0, time.UTC), wantReason: "yearly full due: newest full " + october.Snapshot + " is from 2026"},
		{name: "max_chain 1 keeps every backup against the full", policy: ParentPolicy{Mode: ModeTiered, MaxChain: 1}, committed: []*Record{full, weekly}, local: []*Record{full, weekly}, now: day(2),
			wantParent: full, wantReason: "max_chain 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

func TestParentPolicyValidate(t *testing.T) {
	for _, p := range []ParentPolicy{{}, {Mode: ModeChain, FullEvery: time.Hour, MaxChain: 3}, {Mode: ModeTiered},
		{Mode: ModeTiered, Tiers: []string{TierYear, TierQuarter, TierMonth, TierWeek}}, {Mode: ModeTiered, Tiers: []string{TierQuarter}}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, c := range []struct {
		p    ParentPolicy
		want string
	}{
		{ParentPolicy{Mode: "tree"}, `parents "tree": must be chain or tiered`},
		{ParentPolicy{FullEvery: -1}, "full_every"},
		{ParentPolicy{MaxChain: -1}, "max_chain"},
		{ParentPolicy{Mode: ModeTiered, Tiers: []string{TierMonth, "day"}}, `tiers: "day" is not year, quarter, month or week`},
		{ParentPolicy{Mode: ModeTiered, Tiers: []string{TierWeek, TierMonth}}, "longest period first"},
		{ParentPolicy{Mode: ModeTiered, Tiers: []string{TierMonth, TierMonth}}, "list each level once"},
	} {
		if err := c.p.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error containing %q", c.p, err, c.want)
		}
	}
}

// Pinned keeps the newest backup, and with tiered parents its whole chain:
// the parents of the backups to come.
func TestPinned(t *testing.T) {
	full := fullAt(day(0))
	weekly := incrAt(full, day(1))
	daily := incrAt(weekly, day(2))
	older := fullAt(day(-40))
	committed := []*Record{older, full, weekly, daily}
	for _, c := range []struct {
		p    ParentPolicy
		want []string
	}{
		{ParentPolicy{Mode: ModeChain}, []string{daily.Snapshot}},
		{ParentPolicy{Mode: ModeTiered}, []string{full.Snapshot, weekly.Snapshot, daily.Snapshot}},
	} {
		got := Pinned(c.p, committed)
		if len(got) != len(c.want) {
			t.Errorf("%s: pinned %v, want %v", c.p.Mode, got, c.want)
		}
		for _, name := range c.want {
			if !got[name] {
				t.Errorf("%s: %s not pinned (pinned: %v)", c.p.Mode, name, got)
			}
		}
	}
	if len(Pinned(ParentPolicy{}, nil)) != 0 {
		t.Error("pinned snapshots without any backup")
	}
}
