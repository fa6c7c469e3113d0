package backup

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // TestScheduleFollowsLocalTime needs Europe/Berlin on any machine
)

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		wantErr string // "" for valid
	}{
		{"@daily", ""},
		{"@hourly", ""},
		{"@weekly", ""},
		{"@every 6h", ""},
		{"@every 1s", ""},
		{"30 2 * * *", ""},
		{"0 */4 * * 1-5", ""},
		{"daily", "write 5-field cron"},
		{"61 * * * *", "write 5-field cron"},
		{"@every", "write 5-field cron"},
		{"* * * * * *", "write 5-field cron"},
		{"0 0 30 2 *", "never runs"},
	} {
		_, err := ParseSchedule(tc.spec)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseSchedule(%q): %v", tc.spec, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseSchedule(%q) = %v, want an error saying %q", tc.spec, err, tc.wantErr)
		}
	}
}

// day is a time on 2026-11-<d> at hh:mm, UTC.
func day(d, hh, mm int) time.Time { return time.Date(2026, 11, d, hh, mm, 0, 0, time.UTC) }

func TestFirstRunCatchesUpMissedRuns(t *testing.T) {
	const delay = 30 * time.Second
	for _, tc := range []struct {
		name        string
		spec        string
		lastSuccess time.Time
		now         time.Time
		wantCatchUp bool
		wantAt      time.Time
	}{
		{"never backed up: first run soon", "@daily", time.Time{}, day(10, 8, 0), true, day(10, 8, 0).Add(delay)},
		{"desktop off over midnight", "@daily", day(9, 1, 0), day(10, 8, 0), true, day(10, 8, 0).Add(delay)},
		{"already ran today", "@daily", day(10, 0, 5), day(10, 8, 0), false, day(11, 0, 0)},
		{"off at 02:00 two nights", "0 2 * * *", day(8, 2, 0), day(10, 8, 0), true, day(10, 8, 0).Add(delay)},
		{"started before 02:00", "0 2 * * *", day(9, 2, 1), day(10, 1, 0), false, day(10, 2, 0)},
		{"activation exactly now", "0 2 * * *", day(9, 2, 1), day(10, 2, 0), true, day(10, 2, 0).Add(delay)},
		{"every 6h, 5h since the last", "@every 6h", day(10, 3, 0), day(10, 8, 0), false, day(10, 9, 0)},
		{"every 6h, 7h since the last", "@every 6h", day(10, 1, 0), day(10, 8, 0), true, day(10, 8, 0).Add(delay)},
		{"clock set back behind the last success", "@daily", day(11, 3, 0), day(10, 8, 0), false, day(11, 0, 0)},
		{"catch-up never later than the next regular run", "@every 10s", day(10, 7, 0), day(10, 8, 0), true, day(10, 8, 0).Add(10 * time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSchedule(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			at, catchUp := s.In(time.UTC).FirstRun(tc.lastSuccess, tc.now, delay)
			if catchUp != tc.wantCatchUp || !at.Equal(tc.wantAt) {
				t.Errorf("FirstRun(last %v, now %v) = %v, catch-up %v; want %v, catch-up %v",
					tc.lastSuccess, tc.now, at, catchUp, tc.wantAt, tc.wantCatchUp)
			}
		})
	}
}

// A schedule is read in the host's local time, although records keep UTC:
// "@daily" on a desktop in Berlin means Berlin's midnight.
func TestScheduleFollowsLocalTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin") // time/tzdata is linked in: never missing
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSchedule("@daily")
	if err != nil {
		t.Fatal(err)
	}
	next := s.In(berlin).Next(day(10, 12, 0))
	if want := day(10, 23, 0); !next.Equal(want) { // midnight CET is 23:00 UTC
		t.Errorf("next @daily in Berlin after noon UTC = %v, want %v", next.UTC(), want)
	}
}
