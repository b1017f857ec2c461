package value

import "errors"

// Errors of Decode (besides *SyntaxError) and Encode.
var (
	// ErrTrailingData is returned by Decode when the input holds more than one JSON value.
	ErrTrailingData = errors.New("trailing data after JSON value")
	// ErrNumberRange is returned by Decode for a number that a float64 cannot
	// hold (e.g. 1e400, which would become ±Inf), and by Encode for ±Inf and NaN.
	ErrNumberRange = errors.New("number out of range")
)

// Number reports v as a float64 when it is a number.
func Number(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case int:
		return float64(t), true
	}
	return 0, false
}

// Equal reports deep equality of two values; numbers compare by value
// (10 == 10.0) and values of different JSON types are unequal.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		if y, ok := b.(int64); ok {
			return x == y
		}
		f, ok := Number(b)
		return ok && float64(x) == f
	case float64, int:
		f, _ := Number(a)
		g, ok := Number(b)
		return ok && f == g
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}
