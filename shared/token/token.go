package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Format limits.
const (
	// Version is the record version Encode writes.
	Version = 1
	// NonceSize is the size of the random part in bytes (128 bits).
	NonceSize = 16
	// MaxFieldBytes bounds each of the account, flow and execution fields.
	MaxFieldBytes = 256
	// MaxLen bounds the length of an encoded token Decode accepts.
	MaxLen = 2048
)

// Sentinel errors.
var (
	// ErrMalformed means a string is not a task token of this format.
	ErrMalformed = errors.New("malformed task token")
	// ErrInvalidToken means a Token cannot be encoded (an empty or oversized
	// field).
	ErrInvalidToken = errors.New("invalid task token fields")
)

// MalformedError says why Decode rejected a string. It unwraps to
// ErrMalformed.
type MalformedError struct{ Reason string }

func (e *MalformedError) Error() string { return "malformed task token: " + e.Reason }

// Unwrap returns ErrMalformed.
func (e *MalformedError) Unwrap() error { return ErrMalformed }

// Token is the decoded content of a task token.
type Token struct {
	Account   string          // account that owns the execution
	FlowID    string          // the flow's Id
	Execution string          // execution name
	EventID   int64           // EventId of the task's TaskScheduled event
	Nonce     [NonceSize]byte // random part, compared with the stored task's
}

// New returns a Token for the task with a fresh nonce read from r (nil means
// crypto/rand). It returns an error only when r fails.
func New(r io.Reader, account, flowID, execution string, eventID int64) (Token, error) {
	if r == nil {
		r = rand.Reader
	}
	t := Token{Account: account, FlowID: flowID, Execution: execution, EventID: eventID}
	if _, err := io.ReadFull(r, t.Nonce[:]); err != nil {
		return Token{}, fmt.Errorf("task token nonce: %w", err)
	}
	return t, nil
}

// Encode returns the token string. It returns ErrInvalidToken when a field
// is empty or longer than MaxFieldBytes, or EventID is negative.
func (t Token) Encode() (string, error) {
	for _, f := range []string{t.Account, t.FlowID, t.Execution} {
		if f == "" || len(f) > MaxFieldBytes {
			return "", fmt.Errorf("%w: field length %d not in 1..%d", ErrInvalidToken, len(f), MaxFieldBytes)
		}
	}
	if t.EventID < 0 {
		return "", fmt.Errorf("%w: negative event id", ErrInvalidToken)
	}
	b := make([]byte, 0, 1+3*binary.MaxVarintLen16+len(t.Account)+len(t.FlowID)+len(t.Execution)+binary.MaxVarintLen64+NonceSize)
	b = append(b, Version)
	for _, f := range []string{t.Account, t.FlowID, t.Execution} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = binary.AppendUvarint(b, uint64(t.EventID))
	b = append(b, t.Nonce[:]...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Decode parses a token string. Every error is a *MalformedError (and so
// matches ErrMalformed).
func Decode(s string) (Token, error) {
	if s == "" {
		return Token{}, &MalformedError{Reason: "empty"}
	}
	if len(s) > MaxLen {
		return Token{}, &MalformedError{Reason: fmt.Sprintf("longer than %d characters", MaxLen)}
	}
	// Go's base64 decoder skips \r and \n, so check the alphabet first: a
	// token has exactly one spelling.
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return Token{}, &MalformedError{Reason: "not URL-safe base64 without padding"}
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return Token{}, &MalformedError{Reason: "not URL-safe base64 without padding"}
	}
	if len(b) == 0 || b[0] != Version {
		return Token{}, &MalformedError{Reason: "unknown version"}
	}
	b = b[1:]
	var fields [3]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || k != minimalLen(n) || n == 0 || n > MaxFieldBytes || uint64(len(b)-k) < n {
			return Token{}, &MalformedError{Reason: "bad field length"}
		}
		fields[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	ev, k := binary.Uvarint(b)
	if k <= 0 || k != minimalLen(ev) || ev > 1<<62 {
		return Token{}, &MalformedError{Reason: "bad event id"}
	}
	b = b[k:]
	if len(b) != NonceSize {
		return Token{}, &MalformedError{Reason: "bad nonce length"}
	}
	t := Token{Account: fields[0], FlowID: fields[1], Execution: fields[2], EventID: int64(ev)}
	copy(t.Nonce[:], b)
	return t, nil
}

// minimalLen is the length of n's shortest varint. binary.Uvarint also reads
// longer spellings (0x80 0x00 for 0); refusing them keeps one spelling per
// token.
func minimalLen(n uint64) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], n)
}
