package value

import (
	"errors"
	"math"
	"testing"
)

func TestDecode_Numbers(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"small integer", `7`, int64(7)},
		{"negative integer", `-12`, int64(-12)},
		{"max int64 survives exactly", `9223372036854775807`, int64(math.MaxInt64)},
		{"integer beyond int64 becomes float", `92233720368547758070`, float64(92233720368547758070)},
		{"fraction", `12.5`, 12.5},
		{"exponent is a float", `1e3`, float64(1000)},
		{"nested", `{"a":[1,2.5]}`, map[string]any{"a": []any{int64(1), 2.5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode([]byte(tc.in))
			if err != nil {
				t.Fatalf("Decode(%s) error %v", tc.in, err)
			}
			if !Equal(got, tc.want) {
				t.Errorf("Decode(%s) = %#v, want %#v", tc.in, got, tc.want)
			}
			if _, isFloat := tc.want.(float64); !isFloat {
				if _, ok := got.(float64); ok {
					t.Errorf("Decode(%s) = float64 %v, want an int64", tc.in, got)
				}
			}
		})
	}
}

func TestDecode_Errors(t *testing.T) {
	if _, err := Decode([]byte(`{} {}`)); !errors.Is(err, ErrTrailingData) {
		t.Errorf("Decode(two values) error = %v, want ErrTrailingData", err)
	}
	if _, err := Decode([]byte(`{"a":`)); err == nil {
		t.Error("Decode(truncated) = nil error, want a syntax error")
	}
}

func TestEncode_RoundTrip(t *testing.T) {
	in := `{"a":"<b>&","big":9223372036854775807,"f":0.5,"l":[true,null,"x"]}`
	v, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Errorf("Encode(Decode(%s)) = %s, want the same text (keys sorted, no HTML escaping)", in, out)
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"int equals float by value", int64(10), 10.0, true},
		{"float equals int by value", 10.0, int64(10), true},
		{"different numbers", int64(10), 10.5, false},
		{"number vs string", int64(1), "1", false},
		{"null vs null", nil, nil, true},
		{"null vs false", nil, false, false},
		{"bools", true, true, true},
		{"arrays deep", []any{int64(1), map[string]any{"x": "y"}}, []any{1.0, map[string]any{"x": "y"}}, true},
		{"arrays differ in length", []any{int64(1)}, []any{int64(1), int64(2)}, false},
		{"maps differ in key", map[string]any{"a": int64(1)}, map[string]any{"b": int64(1)}, false},
		{"maps differ in size", map[string]any{"a": nil}, map[string]any{}, false},
		{"map vs array", map[string]any{}, []any{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(tc.a, tc.b); got != tc.want {
				t.Errorf("Equal(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestDecode_OutOfRangeNumber(t *testing.T) {
	for _, src := range []string{`1e400`, `-1e400`, `{"a":[1e999]}`} {
		if v, err := Decode([]byte(src)); !errors.Is(err, ErrNumberRange) {
			t.Errorf("Decode(%s) = %#v, %v; want ErrNumberRange", src, v, err)
		}
	}
	// Underflow rounds to zero like encoding/json; it is not out of range.
	if v, err := Decode([]byte(`1e-400`)); err != nil || v != 0.0 {
		t.Errorf("Decode(1e-400) = %#v, %v, want 0", v, err)
	}
}
