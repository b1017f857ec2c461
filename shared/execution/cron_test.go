package execution

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseCron_Ticks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time {
		return t0.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	tests := []struct {
		name     string
		expr     string
		anchor   time.Time
		from, to time.Time
		want     []time.Time
	}{
		{"every tenth second", "*/10 * * * * *", t0, at(0, 0, 5), at(0, 0, 35), []time.Time{at(0, 0, 10), at(0, 0, 20), at(0, 0, 30)}},
		{"to is inclusive, from exclusive", "*/10 * * * * *", t0, at(0, 0, 10), at(0, 0, 20), []time.Time{at(0, 0, 20)}},
		{"hourly, UTC", "0 0 * * * *", t0, at(0, 30, 0), at(3, 0, 0), []time.Time{at(1, 0, 0), at(2, 0, 0), at(3, 0, 0)}},
		{"weekday names", "0 30 9 * * MON", t0, t0, at(24*7, 0, 0), []time.Time{at(4*24+9, 30, 0)}}, // 2026-01-05 is a Monday
		{"@every counts from the anchor", "@every 15s", at(0, 0, 3).Add(700 * time.Millisecond), at(0, 0, 3), at(0, 0, 40), []time.Time{at(0, 0, 18), at(0, 0, 33)}},
		{"@every with from past the anchor", "@every 1m", t0, at(0, 2, 30), at(0, 4, 0), []time.Time{at(0, 3, 0), at(0, 4, 0)}},
		{"none due", "0 0 0 1 1 *", t0, at(0, 0, 1), at(5, 0, 0), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := parseCron(tc.expr, tc.anchor)
			if err != nil {
				t.Fatalf("parseCron(%q) = %v", tc.expr, err)
			}
			got := sc.ticks(tc.from, tc.to)
			if len(got) != len(tc.want) {
				t.Fatalf("ticks(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) {
					t.Errorf("ticks(%s, %s)[%d] = %s, want %s", tc.from, tc.to, i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseCron_Invalid(t *testing.T) {
	for _, expr := range []string{
		"", "* * * * *", "* * * * * * *", "61 * * * * *", "@hourly", "@every", "@every 500ms", "@every 1500ms",
		"@every -5s", "@every soon", "TZ=Asia/Shanghai 0 0 * * * *", "CRON_TZ=UTC 0 0 * * * *",
	} {
		t.Run(expr, func(t *testing.T) {
			if _, err := parseCron(expr, time.Time{}); !errors.Is(err, errCron) {
				t.Errorf("parseCron(%q) = %v, want errCron", expr, err)
			}
		})
	}
}

func TestTickName(t *testing.T) {
	tick := time.Date(2026, 3, 4, 5, 6, 7, 800e6, time.FixedZone("x", 3600))
	if got, want := TickName("nightly", tick), "schedule-nightly-20260304T040607Z"; got != want {
		t.Errorf("TickName(nightly) = %q, want %q", got, want)
	}
	long := strings.Repeat("s", 128)
	got := TickName(long, tick)
	if len(got) != 128 || !strings.HasSuffix(got, "-20260304T040607Z") || !strings.HasPrefix(got, "schedule-sss") {
		t.Errorf("TickName(128 chars) = %q (%d chars), want 128 characters ending in the tick time", got, len(got))
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"*/10 * * * * *", "0 0 * * * *", "@every 15s", "0 30 9 * * MON-FRI", "@every 1h", "* * * * *"} {
		f.Add(s)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr string) {
		sc, err := parseCron(expr, t0)
		if err != nil {
			if !errors.Is(err, errCron) {
				t.Fatalf("parseCron(%q) = %v, want an errCron", expr, err)
			}
			return
		}
		// Ticks are strictly increasing, inside the window, on whole seconds.
		prev := t0
		for _, tk := range sc.ticks(t0, t0.Add(10*time.Minute)) {
			if !tk.After(prev) || tk.After(t0.Add(10*time.Minute)) || tk.Nanosecond() != 0 {
				t.Fatalf("parseCron(%q): tick %s after %s breaks the window or order", expr, tk, prev)
			}
			prev = tk
		}
	})
}
