package tablestore

import (
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/internal/keyenc"
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

// keyOf validates key and returns its encoded primary-key value. Keys are
// encoded by package keyenc: valid UTF-8 with the keys' byte order and
// prefixes, since Tablestore orders String primary keys by their UTF-8 bytes.
func keyOf(key string) (string, error) {
	if err := kv.CheckKey(key); err != nil {
		return "", err
	}
	enc := keyenc.Encode(key)
	if len(enc) > MaxKeyColumnSize {
		return "", fmt.Errorf("%w: key encodes to %d bytes, Tablestore limit %d", kv.ErrInvalidKey, len(enc), MaxKeyColumnSize)
	}
	return enc, nil
}
