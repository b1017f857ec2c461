package token

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func mustEncode(t *testing.T, tok Token) string {
	t.Helper()
	s, err := tok.Encode()
	if err != nil {
		t.Fatalf("Encode(%+v): %v", tok, err)
	}
	return s
}

func TestToken_Encode_RoundTrip(t *testing.T) {
	tok, err := New(bytes.NewReader(bytes.Repeat([]byte{0xfb}, 16)), "1234567890", "0b6c7c1e-flow", "order-42", 17)
	if err != nil {
		t.Fatal(err)
	}
	s := mustEncode(t, tok)
	if strings.ContainsAny(s, "+/=") {
		t.Errorf("Encode() = %q, want URL-safe base64 without padding", s)
	}
	got, err := Decode(s)
	if err != nil {
		t.Fatalf("Decode(%q): %v", s, err)
	}
	if got != tok {
		t.Errorf("Decode(Encode(t)) = %+v, want %+v", got, tok)
	}
}

func TestToken_New_FreshNonce(t *testing.T) {
	a, _ := New(nil, "acc", "f", "e", 1)
	b, _ := New(nil, "acc", "f", "e", 1)
	if a.Nonce == b.Nonce {
		t.Errorf("two tokens share nonce %x", a.Nonce)
	}
	if _, err := New(strings.NewReader("short"), "acc", "f", "e", 1); err == nil {
		t.Errorf("New with a failing reader: no error")
	}
}

func TestToken_Encode_Invalid(t *testing.T) {
	tests := []struct {
		name string
		tok  Token
	}{
		{"empty account", Token{FlowID: "f", Execution: "e"}},
		{"empty execution", Token{Account: "a", FlowID: "f"}},
		{"long flow", Token{Account: "a", FlowID: strings.Repeat("f", MaxFieldBytes+1), Execution: "e"}},
		{"negative event", Token{Account: "a", FlowID: "f", Execution: "e", EventID: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.tok.Encode(); !errors.Is(err, ErrInvalidToken) {
				t.Errorf("Encode() error = %v, want ErrInvalidToken", err)
			}
		})
	}
}

func TestDecode_Malformed(t *testing.T) {
	good := mustEncode(t, Token{Account: "a", FlowID: "f", Execution: "ex", EventID: 3}) // 25 bytes: padding would show
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	enc := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"not base64", "not a token!"},
		{"padded", base64.URLEncoding.EncodeToString(raw)},
		{"std alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/"},
		{"documented cloud form", base64.StdEncoding.EncodeToString([]byte("v1#a#0b6c7c1e-5d2a#3#c2lnbmF0dXJl"))},
		{"wrong version", enc(append([]byte{2}, raw[1:]...))},
		{"truncated nonce", enc(raw[:len(raw)-1])},
		{"trailing byte", enc(append(append([]byte{}, raw...), 0))},
		{"zero-length field", enc([]byte{1, 0})},
		{"field longer than data", enc([]byte{1, 50, 'a'})},
		{"too long", strings.Repeat("A", MaxLen+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.in)
			var me *MalformedError
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &me) {
				t.Errorf("Decode(%q) error = %v, want *MalformedError", tc.in, err)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("")
	f.Add("AQFhAWYBZQMAAAAAAAAAAAAAAAAAAAAA")
	f.Add(mustEncodeF(Token{Account: "1234567890", FlowID: "flow-id", Execution: "exec", EventID: 9}))
	f.Add("djEjYSMwYjZjN2MxZSMzI3NpZw")
	f.Add("====")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Decode(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(%q) error %v does not match ErrMalformed", s, err)
			}
			return
		}
		// Property: a decoded token re-encodes to the same string (the
		// encoding is canonical).
		again, err := tok.Encode()
		if err != nil {
			t.Fatalf("Encode(Decode(%q)): %v", s, err)
		}
		if again != s {
			t.Fatalf("Encode(Decode(%q)) = %q", s, again)
		}
	})
}

func mustEncodeF(tok Token) string {
	s, err := tok.Encode()
	if err != nil {
		panic(err)
	}
	return s
}

// A line break inside a token is skipped by Go's base64 decoder; the token
// must still be rejected so that each token has exactly one spelling.
func TestDecode_LineBreak(t *testing.T) {
	s := mustEncodeF(Token{Account: "1234567890", FlowID: "flow-id", Execution: "exec", EventID: 9})
	for _, bad := range []string{s[:4] + "\n" + s[4:], s[:4] + "\r" + s[4:], s + "\n"} {
		if _, err := Decode(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) error = %v, want ErrMalformed", bad, err)
		}
	}
}
