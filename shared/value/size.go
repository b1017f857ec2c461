package value

import (
	"strconv"
	"unicode/utf8"
)

// Size returns the length of Encode(v), walking v without encoding it. It
// stops early and returns ok=false once the size passes limit.
//
// This is the engine's 64 KiB check: it runs only on data a state produced
// (constructor results, task results, Parallel and Map outputs), never on data
// passed through unchanged, and never encodes JSON between states.
func Size(v any, limit int) (n int, ok bool) {
	n = size(v, limit, 0)
	return n, n <= limit
}

func size(v any, limit, n int) int {
	switch t := v.(type) {
	case nil:
		return n + 4
	case bool:
		if t {
			return n + 4
		}
		return n + 5
	case string:
		return n + stringSize(t)
	case int64:
		var buf [24]byte
		return n + len(strconv.AppendInt(buf[:0], t, 10))
	case int:
		var buf [24]byte
		return n + len(strconv.AppendInt(buf[:0], int64(t), 10))
	case float64:
		var buf [32]byte
		return n + len(appendFloat(buf[:0], t))
	case []any:
		n += 2
		if len(t) > 1 {
			n += len(t) - 1
		}
		for _, e := range t {
			if n = size(e, limit, n); n > limit {
				return n
			}
		}
		return n
	case map[string]any:
		n += 2
		if len(t) > 1 {
			n += len(t) - 1
		}
		for k, e := range t {
			n += stringSize(k) + 1
			if n = size(e, limit, n); n > limit {
				return n
			}
		}
		return n
	}
	return n + 4
}

// stringSize is the length of s as a JSON string (quotes and escapes, no
// HTML escaping).
func stringSize(s string) int {
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			n += 6 // encoded as \ufffd
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += w
		}
		i += w
	}
	return n
}

// MemberSize is the length of `"key":v` as Encode writes it inside an object;
// v is walked only up to limit.
func MemberSize(key string, v any, limit int) int {
	return stringSize(key) + 1 + size(v, limit, 0)
}
