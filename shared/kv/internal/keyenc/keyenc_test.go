package keyenc

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncode_Examples(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"ascii unchanged", "exec/1/f/run", "exec/1/f/run"},
		{"high byte", "a\xffb", "a\u00ffb"},
		{"utf-8 bytes escaped one by one", "é", "\u00c3\u00a9"},
		{"lowest high byte", "\x80", "\u0080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Encode(tc.key)
			if got != tc.want {
				t.Fatalf("Encode(%q) = %q, want %q", tc.key, got, tc.want)
			}
			back, err := Decode(got)
			if err != nil || back != tc.key {
				t.Fatalf("Decode(%q) = %q, %v; want %q", got, back, err, tc.key)
			}
		})
	}
}

// checkEncoding asserts the properties the stores' List relies on for a pair
// of keys.
func checkEncoding(t *testing.T, a, b string) {
	t.Helper()
	ea, eb := Encode(a), Encode(b)
	if !utf8.ValidString(ea) {
		t.Fatalf("Encode(%q) = %q, not valid UTF-8", a, ea)
	}
	if got, want := strings.Compare(ea, eb), strings.Compare(a, b); got != want {
		t.Fatalf("Compare(Encode(%q), Encode(%q)) = %d, want %d", a, b, got, want)
	}
	if got, want := strings.HasPrefix(ea, eb), strings.HasPrefix(a, b); got != want {
		t.Fatalf("HasPrefix(Encode(%q), Encode(%q)) = %v, want %v", a, b, got, want)
	}
	if !strings.HasPrefix(a, b) {
		return
	}
	if hi := eb + End; ea >= hi {
		t.Fatalf("Encode(%q) = %q is not below the range end %q of prefix %q", a, ea, hi, b)
	}
	if back, err := Decode(ea); err != nil || back != a {
		t.Fatalf("Decode(Encode(%q)) = %q, %v", a, back, err)
	}
}

func TestEncode_OrderAndPrefix(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	alphabet := []byte{0x00, 0x01, '/', 'a', 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xff}
	word := func() string {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 20000 {
		a, b := word(), word()
		checkEncoding(t, a, b)
		checkEncoding(t, a+b, a)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add("exec/1/f/run", "exec/1/")
	f.Add("a\xffb", "a\xff")
	f.Add("é", "\xc3")
	f.Fuzz(func(t *testing.T, a, b string) {
		checkEncoding(t, a, b)
		checkEncoding(t, a+b, a)
	})
}

func TestDecode_Invalid(t *testing.T) {
	for _, s := range []string{"\u0100", "a\u20acb", "\xff", "\xc3"} {
		if got, err := Decode(s); err == nil {
			t.Errorf("Decode(%q) = %q, want an error", s, got)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 5, "abc"},
		{"abc", 2, "ab"},
		{"a\u00ff", 2, "a"}, // do not split the two-byte rune
		{"a\u00ff", 3, "a\u00ff"},
	}
	for _, tc := range tests {
		if got := Truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
