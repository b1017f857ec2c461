package keyenc

import (
	"fmt"
	"unicode/utf8"
)

// End is one past the largest rune Encode produces (U+00FF): an encoded
// prefix followed by End bounds every encoded key with that prefix.
const End = "\u0100"

// Encode maps key (any bytes) to a valid UTF-8 string with the same byte
// order and prefixes (see the package documentation).
func Encode(key string) string {
	n := 0
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			n++
		}
	}
	if n == 0 {
		return key
	}
	b := make([]byte, 0, len(key)+n)
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < utf8.RuneSelf {
			b = append(b, c)
		} else {
			b = utf8.AppendRune(b, rune(c))
		}
	}
	return string(b)
}

// Decode inverts Encode. It fails on a string Encode cannot produce (a rune
// above U+00FF or invalid UTF-8).
func Decode(s string) (string, error) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i, r := range s {
		if r > 0xFF {
			return "", fmt.Errorf("stored key %q: rune %U at byte %d is not a key byte", s, r, i)
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// Truncate cuts the encoded key s to at most n bytes without splitting a
// rune.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
