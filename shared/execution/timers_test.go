package execution

import (
	"fmt"
	"testing"
	"time"
)

// The timer heap hands out executions in due order, only once they are due;
// a later add replaces an earlier one of the same execution and remove
// forgets it.
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
	if n := tm.len(); n != 4 {
		t.Fatalf("len = %d, want 4 (a, b, c, d)", n)
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
	if n := tm.len(); n != 0 {
		t.Errorf("len after all were due = %d, want 0", n)
	}
}
