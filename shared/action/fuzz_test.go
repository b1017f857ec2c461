package action

import (
	"context"
	"errors"
	"testing"
)

// FuzzParseMock checks that ParseMock never panics, that every rejection is
// Issues with at most maxMockIssues entries, and that an accepted file
// answers its entries with a result or an *interp.Error-named failure.
func FuzzParseMock(f *testing.F) {
	for _, s := range []string{
		"States:\n  A: [{Error: X, Cause: c}, {Return: {k: [1, 2.5, null, true]}}]\n",
		`{"Actions":{"FC:InvokeFunction":{"Return":"ok","Delay":0}}}`,
		"States: {A: &x {Return: 1}, B: *x}",
		"Actions:\n  bad: {Return: 1}\n",
		"States:\n  A: {Return: 1, Error: X, Extra: 2}\n",
		"- 1\n- 2\n",
		"States: {A: {Return: .inf}}",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 1<<14 {
			return
		}
		m, err := ParseMock(src, &fakeClock{})
		if err != nil {
			var is Issues
			if !errors.As(err, &is) || len(is) == 0 || len(is) > maxMockIssues {
				t.Fatalf("ParseMock error %T %v, want 1..%d Issues", err, err, maxMockIssues)
			}
			return
		}
		for name := range m.data.Load().base.states {
			if _, err := m.Invoke(context.Background(), call("e", name, "X:Y")); err != nil && errors.Is(err, ErrNoMock) {
				t.Fatalf("state %q listed but not matched", name)
			}
		}
		for a := range m.data.Load().base.actions {
			if !m.Known(a) {
				t.Fatalf("action %q listed but not Known", a)
			}
		}
	})
}
