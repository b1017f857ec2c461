package tablestore

import (
	"fmt"
	"unicode/utf8"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Layout of the table: one String primary-key column holding the encoded
// key, the value as Binary and the version as Integer.
const (
	// ColumnKey is the table's only primary-key column, a String.
	ColumnKey = "pk"
	// ColumnValue holds an item's value as Binary; it is absent when the
	// value is empty.
	ColumnValue = "val"
	// ColumnVersion holds an item's version as an Integer.
	ColumnVersion = "ver"
	// ColumnExpiresAt is reserved for an expiry time in epoch seconds
	// (Tablestore's TTL is table-wide, so per-item expiry must be filtered on
	// read). The store never writes it.
	ColumnExpiresAt = "expiresAt"
	// MaxKeyColumnSize is Tablestore's limit on a String primary-key value,
	// in bytes of the encoded key.
	MaxKeyColumnSize = 1024
)

// escapeEnd is one past the largest rune encodeKey produces (U+00FF); an
// encoded prefix followed by it bounds every encoded key with that prefix.
const escapeEnd = "\u0100"

// encodeKey maps a key (any bytes) to a valid UTF-8 string with the same
// byte order and prefixes: bytes below 0x80 stay, and each byte 0x80-0xFF
// becomes the rune U+0080-U+00FF. Tablestore orders String primary keys by
// their UTF-8 bytes, so ranges over encoded keys are ranges over keys. (The
// same encoding as package dynamo; each store keeps its own copy so that
// neither binary links the other cloud's SDK.)
func encodeKey(key string) string {
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

// decodeKey inverts encodeKey. It fails on a string encodeKey cannot
// produce.
func decodeKey(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i, r := range s {
		if r > 0xFF {
			return "", fmt.Errorf("tablestore: stored key %q: rune %U at byte %d is not a key byte", s, r, i)
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// keyOf validates key and returns its encoded primary-key value.
func keyOf(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty key", kv.ErrInvalidKey)
	}
	if len(key) > kv.MaxKeySize {
		return "", fmt.Errorf("%w: key is %d bytes, limit %d", kv.ErrInvalidKey, len(key), kv.MaxKeySize)
	}
	enc := encodeKey(key)
	if len(enc) > MaxKeyColumnSize {
		return "", fmt.Errorf("%w: key encodes to %d bytes, Tablestore limit %d", kv.ErrInvalidKey, len(enc), MaxKeyColumnSize)
	}
	return enc, nil
}
