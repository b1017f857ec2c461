package eval

import (
	"math"
	"regexp"
	"testing"
)

func TestRandomInt_Range(t *testing.T) {
	tests := []struct {
		name     string
		min, max int64
	}{
		{"small", -2, 3},
		{"one value", 7, 8},
		{"whole int64 range", math.MinInt64, math.MaxInt64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 200 {
				if got := RandomInt(tc.min, tc.max); got < tc.min || got >= tc.max {
					t.Fatalf("RandomInt(%d, %d) = %d, want a value in [%d, %d)", tc.min, tc.max, got, tc.min, tc.max)
				}
			}
		})
	}
}

func TestRandomInt_EmptyRange(t *testing.T) {
	if got := RandomInt(5, 5); got != 5 {
		t.Errorf("RandomInt(5, 5) = %d, want 5", got)
	}
	if got := RandomInt(5, 1); got != 5 {
		t.Errorf("RandomInt(5, 1) = %d, want 5", got)
	}
}

func TestNewUUID_Format(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, b := NewUUID(), NewUUID()
	if !re.MatchString(a) {
		t.Errorf("NewUUID() = %q, want a lower-case UUID v4", a)
	}
	if a == b {
		t.Errorf("NewUUID() returned %q twice", a)
	}
}
