package execution

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// The timer heap hands out executions in due order, only once they are due;
// a later add replaces an earlier one of the same execution and remove
// forgets it. An execution stays parked (count) from its add, with or
// without a due time, until its remove.
func TestTimers_PopDue(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ref := func(n string) Ref { return Ref{Account: "a", FlowID: "f", Name: n} }
	tm := newTimers()
	tm.add(ref("c"), at(30))
	tm.add(ref("a"), at(10))
	tm.add(ref("b"), at(20))
	tm.add(ref("d"), at(5))
	tm.add(ref("d"), at(40)) // replaces d's 5 s
	tm.add(ref("b"), at(20)) // the same again: no second entry
	tm.add(ref("e"), at(15))
	tm.remove(ref("e"))
	tm.add(ref("cb"), time.Time{}) // parked without a due time
	if n, p := tm.len(), tm.count(); n != 4 || p != 5 {
		t.Fatalf("len, count = %d, %d; want 4 (a, b, c, d), 5 (and cb)", n, p)
	}
	tests := []struct {
		now      int
		want     string
		wantNext time.Time
	}{
		{now: 9, want: "[]", wantNext: at(10)},
		{now: 25, want: "[a b]", wantNext: at(30)},
		{now: 25, want: "[]", wantNext: at(30)},
		{now: 100, want: "[c d]", wantNext: time.Time{}},
	}
	for _, tc := range tests {
		refs, next := tm.popDue(at(tc.now))
		var names []string
		for _, r := range refs {
			names = append(names, r.Name)
		}
		if got := fmt.Sprint(names); got != tc.want || !next.Equal(tc.wantNext) {
			t.Errorf("popDue(%ds) = %v, next %v; want %s, next %v", tc.now, names, next, tc.want, tc.wantNext)
		}
	}
	if n, p := tm.len(), tm.count(); n != 0 || p != 5 {
		t.Errorf("len, count after all were due = %d, %d; want 0, 5 (parked until a run takes them)", n, p)
	}
	for _, n := range []string{"a", "b", "c", "d", "cb"} {
		tm.remove(ref(n))
	}
	tm.add(ref("a"), at(200))
	if refs, next := tm.popDue(at(150)); len(refs) != 0 || !next.Equal(at(200)) || tm.count() != 1 {
		t.Errorf("after removing all and adding a at 200 s: popDue(150 s) = %v, next %v, count %d; want none, 200 s, 1", refs, next, tm.count())
	}
}

// BenchmarkTimers_Parked measures the memory 100,000 parked executions'
// wake-ups keep (heap and stacks after a GC, per execution, as
// retained-B/exec): in the timer heap, with one time.AfterFunc each, and
// with one goroutine each waiting on time.After (the callback timeout
// timers this heap replaced).
func BenchmarkTimers_Parked(b *testing.B) {
	const n = 100_000
	refs := make([]Ref, n)
	for i := range refs {
		refs[i] = Ref{Account: "acct", FlowID: "flow", Name: fmt.Sprintf("exec-%06d", i)}
	}
	due := time.Now().Add(time.Hour)
	variants := []struct {
		name  string
		build func() (keep any, stop func())
	}{
		{"heap", func() (any, func()) {
			tm := newTimers()
			for i, r := range refs {
				tm.add(r, due.Add(time.Duration(i)*time.Millisecond))
			}
			return tm, func() {}
		}},
		{"AfterFunc", func() (any, func()) {
			// A timer per execution, in a map so that a second park of the
			// same execution (or a sweep) replaces its timer, as add does.
			ts := make(map[Ref]*time.Timer)
			for i, r := range refs {
				ts[r] = time.AfterFunc(time.Hour+time.Duration(i)*time.Millisecond, func() { fired(r) })
			}
			return ts, func() {
				for _, t := range ts {
					t.Stop()
				}
			}
		}},
		{"goroutine", func() (any, func()) {
			done := make(chan struct{})
			for i, r := range refs {
				go func() {
					select {
					case <-done:
					case <-time.After(time.Hour + time.Duration(i)*time.Millisecond):
						fired(r)
					}
				}()
			}
			return nil, func() { close(done) }
		}},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				before := inUse()
				keep, stop := v.build()
				time.Sleep(10 * time.Millisecond) // the goroutines start
				b.ReportMetric(float64(inUse()-before)/n, "retained-B/exec")
				runtime.KeepAlive(keep)
				stop()
			}
		})
	}
}

// fired stands for enqueueing a due execution.
var fired = func(Ref) {}

// inUse is the heap and stack memory in use after a GC.
func inUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}

// A Recover pass keeps the oldest starts, at most max of them, in start
// order (ties in key order), and says that some were left.
func TestPending_KeepsOldest(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := pending{max: 3}
	for _, c := range []struct {
		name string
		sec  int
	}{{"e", 5}, {"a", 9}, {"d", 1}, {"c", 7}, {"b", 1}, {"f", 3}} {
		p.add(Ref{Account: "acct", FlowID: "f", Name: c.name}, t0.Add(time.Duration(c.sec)*time.Second))
	}
	var got []string
	for _, r := range p.sorted() {
		got = append(got, r.Name)
	}
	if fmt.Sprint(got) != "[b d f]" || !p.left {
		t.Errorf("kept %v (left %v), want [b d f] (left true)", got, p.left)
	}
}
