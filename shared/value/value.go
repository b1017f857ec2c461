package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ErrTrailingData is returned by Decode when the input holds more than one JSON value.
var ErrTrailingData = errors.New("trailing data after JSON value")

// Decode parses one JSON document into the value model (see the package doc).
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrTrailingData
	}
	return Normalize(v)
}

// ErrNumberRange is returned by Decode and Normalize for a number that a
// float64 cannot hold (e.g. 1e400, which would become ±Inf), and by
// Normalize for a float that is ±Inf or NaN.
var ErrNumberRange = errors.New("number out of range")

// Normalize converts json.Number leaves (from a decoder with UseNumber) and
// other Go numeric types into int64 or float64, in place where it can. It
// fails with ErrNumberRange for a number outside the float64 range (then v
// may be partly converted).
func Normalize(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: %s", ErrNumberRange, string(t))
		}
		return f, nil
	case map[string]any:
		for k, e := range t {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
		return t, nil
	case []any:
		for i, e := range t {
			n, err := Normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
		return t, nil
	case int:
		return int64(t), nil
	case int32:
		return int64(t), nil
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t), nil
		}
		return float64(t), nil
	case float32:
		return checkFloat(float64(t))
	case float64:
		return checkFloat(t)
	default:
		return v, nil
	}
}

func checkFloat(f float64) (any, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("%w: %v", ErrNumberRange, f)
	}
	return f, nil
}

// Encode writes v as compact JSON without HTML escaping. Map keys are sorted.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode json: %w", err)
	}
	b := buf.Bytes()
	return b[:len(b)-1], nil // drop the encoder's newline
}

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
