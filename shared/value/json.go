package value

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is the JSON codec of the value model, written for the engine's hot
// path (an execution decodes its input once and encodes its output once):
// Decode rejects what encoding/json rejects for these documents (and numbers
// a float64 cannot hold), and Append writes what encoding/json writes, with
// sorted keys and without HTML escaping. The tests compare both with
// encoding/json.

// MaxDepth is how deeply Decode lets arrays and objects nest, the limit of
// encoding/json.
const MaxDepth = 10000

// SyntaxError is a malformed JSON document.
type SyntaxError struct {
	Offset int    // the byte Decode stopped at
	msg    string // what it found there
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.Offset) }

// Decode parses one JSON document into the value model (see the package
// doc). Errors: a *SyntaxError for malformed JSON (nesting beyond MaxDepth
// included), ErrTrailingData when a second value follows, ErrNumberRange for
// a number a float64 cannot hold (such as 1e400).
func Decode(b []byte) (any, error) {
	d := jsonDecoder{b: b, s: string(b)}
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, fmt.Errorf("%w at byte %d", ErrTrailingData, d.i)
	}
	return v, nil
}

type jsonDecoder struct {
	b []byte
	// s is b as one string: keys and strings without escapes are substrings
	// of it, so a document costs one string allocation, not one per string.
	// They keep s alive as long as any of them is (at most the input size).
	s string
	i int
}

func (d *jsonDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// fail reports what the decoder finds at its position.
func (d *jsonDecoder) fail() error {
	if d.i >= len(d.b) {
		return &SyntaxError{Offset: d.i, msg: "unexpected end of JSON input"}
	}
	return &SyntaxError{Offset: d.i, msg: fmt.Sprintf("unexpected character %q", d.b[d.i])}
}

func (d *jsonDecoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, &SyntaxError{Offset: d.i, msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
	}
	if d.i >= len(d.b) {
		return nil, d.fail()
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := make(map[string]any)
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, d.fail()
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, d.fail()
			}
			d.i++
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.fail()
			}
			if d.b[d.i] == '}' {
				d.i++
				return m, nil
			}
			if d.b[d.i] != ',' {
				return nil, d.fail()
			}
			d.i++
		}
	case c == '[':
		d.i++
		a := []any{}
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return a, nil
		}
		for {
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.fail()
			}
			if d.b[d.i] == ']' {
				d.i++
				return a, nil
			}
			if d.b[d.i] != ',' {
				return nil, d.fail()
			}
			d.i++
		}
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.lit("true")
	case c == 'f':
		return false, d.lit("false")
	case c == 'n':
		return nil, d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.num()
	}
	return nil, d.fail()
}

func (d *jsonDecoder) lit(s string) error {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return d.fail()
	}
	d.i += len(s)
	return nil
}

func (d *jsonDecoder) num() (any, error) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.b) && d.b[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, d.fail()
	}
	integral := true
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		integral = false
		if digits() == 0 {
			return nil, d.fail()
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		integral = false
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, d.fail()
		}
	}
	s := d.s[start:d.i]
	if integral {
		if n, ok := smallInt(s); ok {
			return n, nil
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %s", ErrNumberRange, s)
	}
	return f, nil
}

// smallInt parses a JSON integer of at most 18 digits (which cannot
// overflow int64) without strconv; ok is false for longer ones.
func smallInt(s string) (int64, bool) {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// str reads a string starting at the opening quote.
func (d *jsonDecoder) str() (string, error) {
	d.i++
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.s[start:d.i]
			d.i++
			if !ascii && !utf8.ValidString(s) {
				return string([]rune(s)), nil // invalid bytes become U+FFFD, like encoding/json
			}
			return s, nil
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return "", d.fail()
		}
		d.i++
	}
	return "", d.fail()
}

func (d *jsonDecoder) strSlow(start int) (string, error) {
	out := append([]byte(nil), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(out) {
				return string([]rune(string(out))), nil
			}
			return string(out), nil
		case c < 0x20:
			return "", d.fail()
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			return "", d.fail()
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.fail()
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					if x, ok := d.hex4(); ok {
						r2 = x
					} else {
						return "", d.fail()
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
					} else {
						d.i = save
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", d.fail()
		}
	}
	return "", d.fail()
}

func (d *jsonDecoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

// entry is one object member while encoding.
type entry struct {
	k string
	v any
}

// Encode returns v as compact JSON with sorted object keys and without HTML
// escaping. It fails for ±Inf, NaN and values outside the model.
func Encode(v any) ([]byte, error) { return Append(nil, v) }

// Append appends v to buf as Encode writes it.
func Append(buf []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, t), nil
	case string:
		return appendString(buf, t), nil
	case int64:
		return strconv.AppendInt(buf, t, 10), nil
	case int:
		return strconv.AppendInt(buf, int64(t), 10), nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, fmt.Errorf("encode json: %w: %v", ErrNumberRange, t)
		}
		return appendFloat(buf, t), nil
	case []any:
		buf = append(buf, '[')
		for i, e := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = Append(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case map[string]any:
		// Entries, not keys: sorting them saves looking every key up again.
		var arr [16]entry
		es := arr[:0]
		for k, e := range t {
			es = append(es, entry{k, e})
		}
		slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.k, b.k) })
		buf = append(buf, '{')
		for i := range es {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendString(buf, es[i].k)
			buf = append(buf, ':')
			var err error
			if buf, err = Append(buf, es[i].v); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	}
	return nil, fmt.Errorf("encode json: unsupported value of type %T", v)
}

// appendFloat formats like encoding/json.
func appendFloat(buf []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		n := len(buf)
		if n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf
}

const hexDigits = "0123456789abcdef"

// appendString quotes s like encoding/json without HTML escaping.
func appendString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += w
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += w
			start = i
			continue
		}
		i += w
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
