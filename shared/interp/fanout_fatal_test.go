package interp

import "testing"

// TestPickFailure: among the failures of a fan's children, a fatal one
// (a Fail state, LimitExceeded: not catchable, reference 3.8, decision 17)
// wins over a lower-index catchable one, so the enclosing state's Catch
// cannot swallow it; otherwise the lowest-index catchable failure wins
// (decision 19), then a size failure, then an abort.
func TestPickFailure(t *testing.T) {
	catchable := func(name string) *failure { return fail(name, "catchable") }
	fatal := &failure{err: &Error{Name: "Fatal", Detail: "d"}, status: Failed, fatal: true}
	abort := &failure{err: &Error{}, status: Stopped, fatal: true, abort: true}
	size := fail(ErrorInvalidData, "size")
	tests := []struct {
		name  string
		fails map[int]*failure
		size  *failure
		want  *failure
	}{
		{"fatal beats lower catchable", map[int]*failure{0: catchable("A"), 1: fatal}, nil, fatal},
		{"lowest catchable", map[int]*failure{3: catchable("C"), 1: catchable("B"), 2: abort}, nil, nil},
		{"catchable beats size", map[int]*failure{5: catchable("E")}, size, nil},
		{"size beats abort", map[int]*failure{0: abort}, size, size},
		{"abort alone", map[int]*failure{4: abort}, nil, abort},
		{"none", nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pickFailure(tc.fails, tc.size)
			want := tc.want
			if want == nil && len(tc.fails) > 0 {
				// the lowest-index catchable one
				low := -1
				for i, f := range tc.fails {
					if !f.abort && !f.fatal && (low < 0 || i < low) {
						low = i
					}
				}
				want = tc.fails[low]
			}
			if got != want {
				t.Errorf("pickFailure = %+v, want %+v", got, want)
			}
		})
	}
}
