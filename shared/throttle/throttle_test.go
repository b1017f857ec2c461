package throttle

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock, safe for concurrent reads.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// drain calls Allow until it refuses (at most limit times) and returns the
// number of allowed calls.
func drain(l *Limiter, account, action string, limit int) int {
	n := 0
	for n < limit && l.Allow(account, action) {
		n++
	}
	return n
}

func TestDefaultLimits_For(t *testing.T) {
	// Reference 9.6.
	tests := []struct {
		action string
		want   Rate
	}{
		{"StartExecution", Rate{100, 100}},
		{"DescribeExecution", Rate{50, 5}},
		{"GetExecutionHistory", Rate{50, 5}},
		{"StartSyncExecution", Rate{1000, 1000}},
		{"CreateFlow", Rate{10, 2}},
		{"ListExecutions", Rate{10, 2}},
		{"ReportTaskSucceeded", Rate{10, 2}},
	}
	l := DefaultLimits()
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			if got := l.For(tc.action); got != tc.want {
				t.Errorf("DefaultLimits().For(%q) = %v, want %v", tc.action, got, tc.want)
			}
		})
	}
}

func TestLimiter_Allow_Defaults(t *testing.T) {
	// With a stopped clock each action admits exactly its burst.
	tests := []struct {
		action string
		burst  int
	}{
		{"StartExecution", 100},
		{"DescribeExecution", 50},
		{"GetExecutionHistory", 50},
		{"StartSyncExecution", 1000},
		{"DescribeFlow", 10},
	}
	for _, tc := range tests {
		t.Run(tc.action, func(t *testing.T) {
			l := New(DefaultLimits(), newFakeClock().Now, Options{})
			if got := drain(l, "acct", tc.action, 5000); got != tc.burst {
				t.Errorf("allowed %d calls of %s, want %d", got, tc.action, tc.burst)
			}
		})
	}
}

func TestLimiter_Allow_Refill(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{})
	if got := drain(l, "a", "DescribeExecution", 1000); got != 50 {
		t.Fatalf("burst = %d, want 50", got)
	}
	clk.Advance(199 * time.Millisecond) // 0.995 token at 5/s
	if l.Allow("a", "DescribeExecution") {
		t.Fatal("Allow after 199ms = true, want false (refill 5/s)")
	}
	clk.Advance(time.Millisecond) // now 1 token
	if !l.Allow("a", "DescribeExecution") {
		t.Fatal("Allow after 200ms = false, want true")
	}
	clk.Advance(time.Second)
	if got := drain(l, "a", "DescribeExecution", 1000); got != 5 {
		t.Fatalf("after 1s allowed %d, want 5", got)
	}
	clk.Advance(time.Hour) // capped at the burst
	if got := drain(l, "a", "DescribeExecution", 1000); got != 50 {
		t.Fatalf("after 1h allowed %d, want 50 (burst cap)", got)
	}
}

func TestLimiter_Allow_ClockBackwards(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{})
	drain(l, "a", "CreateFlow", 100)
	clk.Advance(-time.Hour)
	if l.Allow("a", "CreateFlow") {
		t.Fatal("Allow after the clock went back = true, want false")
	}
}

func TestLimiter_Allow_Isolation(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{})
	if got := drain(l, "acct1", "CreateFlow", 100); got != 10 {
		t.Fatalf("acct1 CreateFlow burst = %d, want 10", got)
	}
	if !l.Allow("acct2", "CreateFlow") {
		t.Error("acct2 throttled by acct1's CreateFlow bucket")
	}
	if !l.Allow("acct1", "UpdateFlow") {
		t.Error("acct1 UpdateFlow throttled by its CreateFlow bucket")
	}
	if l.Allow("acct1", "CreateFlow") {
		t.Error("acct1 CreateFlow allowed after its burst")
	}
	// Keys must not collide by concatenation.
	drain(l, "ab", "c", 100)
	if !l.Allow("a", "bc") {
		t.Error(`("a","bc") throttled by ("ab","c")`)
	}
}

func TestLimiter_Allow_EvictsIdle(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{SweepInterval: time.Minute})
	for i := range 100 {
		l.Allow(fmt.Sprint("acct", i), "CreateFlow")
	}
	drain(l, "busy", "StartExecution", 1000)
	if got := l.Len(); got != 101 {
		t.Fatalf("Len = %d, want 101", got)
	}
	// After a minute the CreateFlow buckets (one token used, 2/s) are full again;
	// "busy" used 100 tokens at 100/s, also full after 1s. Keep one bucket hot.
	clk.Advance(time.Minute)
	drain(l, "hot", "CreateFlow", 100)
	if got := l.Len(); got != 1 {
		t.Fatalf("Len after idle sweep = %d, want 1", got)
	}
	// The dropped buckets behave as new, full ones.
	if got := drain(l, "acct0", "CreateFlow", 100); got != 10 {
		t.Fatalf("evicted bucket burst = %d, want 10", got)
	}
}

func TestLimiter_Allow_MaxBuckets(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{MaxBuckets: 10})
	for i := range 50 {
		l.Allow(fmt.Sprint("acct", i), "CreateFlow")
		if got := l.Len(); got > 10 {
			t.Fatalf("Len = %d after %d accounts, want at most 10", got, i+1)
		}
	}
}

func TestLimiter_Allow_Concurrent(t *testing.T) {
	clk := newFakeClock()
	l := New(DefaultLimits(), clk.Now, Options{})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if l.Allow("acct", "StartExecution") {
					allowed.Add(1)
				}
				l.Allow("other", "DescribeFlow")
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 100 {
		t.Fatalf("800 concurrent calls allowed %d, want exactly the burst 100", got)
	}
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		action  string
		want    Rate
		wantErr bool
	}{
		{name: "Empty", spec: "", action: "StartExecution", want: Rate{100, 100}},
		{name: "Override", spec: "StartExecution=200/50", action: "StartExecution", want: Rate{200, 50}},
		{name: "KeepsOthers", spec: "StartExecution=200/50", action: "DescribeExecution", want: Rate{50, 5}},
		{name: "Default", spec: " Default = 20/0.5 , CreateFlow=3/1", action: "ListFlows", want: Rate{20, 0.5}},
		{name: "NewAction", spec: "Default=20/5,CreateFlow=3/1", action: "CreateFlow", want: Rate{3, 1}},
		{name: "NoEquals", spec: "StartExecution", wantErr: true},
		{name: "NoSlash", spec: "StartExecution=100", wantErr: true},
		{name: "ZeroBurst", spec: "StartExecution=0/1", wantErr: true},
		{name: "ZeroRate", spec: "StartExecution=1/0", wantErr: true},
		{name: "NaNRate", spec: "StartExecution=1/NaN", wantErr: true},
		{name: "InfRate", spec: "StartExecution=1/Inf", wantErr: true},
		{name: "FracBurst", spec: "StartExecution=1.5/1", wantErr: true},
		{name: "EmptyName", spec: "=1/1", wantErr: true},
		{name: "TrailingComma", spec: "StartExecution=1/1,", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLimits(tc.spec, DefaultLimits())
			if tc.wantErr {
				if !errors.Is(err, ErrSpec) {
					t.Fatalf("ParseLimits(%q) error = %v, want ErrSpec", tc.spec, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLimits(%q) = %v", tc.spec, err)
			}
			if r := got.For(tc.action); r != tc.want {
				t.Errorf("ParseLimits(%q).For(%q) = %v, want %v", tc.spec, tc.action, r, tc.want)
			}
		})
	}
}

func TestParseLimits_DoesNotMutateBase(t *testing.T) {
	base := DefaultLimits()
	if _, err := ParseLimits("StartExecution=1/1", base); err != nil {
		t.Fatal(err)
	}
	if r := base.For("StartExecution"); r != (Rate{100, 100}) {
		t.Fatalf("base changed to %v", r)
	}
}

func TestLimits_String_RoundTrip(t *testing.T) {
	l := DefaultLimits()
	s := l.String()
	want := "Default=10/2,DescribeExecution=50/5,GetExecutionHistory=50/5,StartExecution=100/100,StartSyncExecution=1000/1000"
	if s != want {
		t.Fatalf("DefaultLimits().String() = %q, want %q", s, want)
	}
	back, err := ParseLimits(s, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != s {
		t.Fatalf("round trip = %q, want %q", back.String(), s)
	}
}

func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{"", "StartExecution=100/100,Default=10/2", "a=1/0.5", "=", "x=1/", ",,", "a=9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		l, err := ParseLimits(spec, DefaultLimits())
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error %v does not wrap ErrSpec", err)
			}
			return
		}
		for _, r := range append([]Rate{l.Default}, values(l.Actions)...) {
			if r.Burst < 1 || !(r.PerSecond > 0) {
				t.Fatalf("accepted bad rate %v from %q", r, spec)
			}
		}
	})
}

func values(m map[string]Rate) []Rate {
	out := make([]Rate, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	return out
}

func BenchmarkLimiter_Allow(b *testing.B) {
	l := New(DefaultLimits(), nil, Options{})
	accounts := make([]string, 64)
	for i := range accounts {
		accounts[i] = fmt.Sprint("acct", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(accounts[i&63], "StartExecution")
		i++
	}
}

func BenchmarkLimiter_Allow_Parallel(b *testing.B) {
	l := New(DefaultLimits(), nil, Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Allow("acct", "StartExecution")
		}
	})
}
