package dynamo

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Layout of the table (platforms.md 6): string keys pk (HASH) and sk (RANGE),
// the value as Binary, the version as Number, and expiresAt reserved for TTL.
const (
	// AttrPartitionKey is the partition (HASH) key attribute, a String.
	AttrPartitionKey = "pk"
	// AttrSortKey is the sort (RANGE) key attribute, a String.
	AttrSortKey = "sk"
	// AttrValue holds an item's value as Binary; it is absent when the
	// value is empty (empty binary attributes are not accepted everywhere).
	AttrValue = "val"
	// AttrVersion holds an item's version as a Number.
	AttrVersion = "ver"
	// AttrExpiresAt is reserved for the table's TTL attribute (a Number of
	// epoch seconds). The store never writes it; CreateTable enables TTL on
	// it.
	AttrExpiresAt = "expiresAt"
)

const (
	// PartitionDepth is how many leading "/"-terminated segments of a key
	// form its partition: "exec/<account>/" for
	// "exec/<account>/<flowId>/<name>", "flow/<account>/" for
	// "flow/<account>/<name>".
	PartitionDepth = 2
	// RootPartition is the partition of keys with fewer than PartitionDepth
	// slashes. It contains no slash, so it never equals a real partition.
	RootPartition = "#"
	// MaxSortKeySize is DynamoDB's limit on a sort key value, in bytes of
	// the encoded key.
	MaxSortKeySize = 1024
)

// MaxItemSize is DynamoDB's limit on one item: the lengths of its attribute
// names and values.
const MaxItemSize = 400 * 1024

// maxNumberSize bounds the stored size of the version Number (DynamoDB counts
// about one byte per two significant digits plus one).
const maxNumberSize = 21

// maxValueSize is the largest value that fits in one item with key k.
func maxValueSize(k itemKey) int {
	return MaxItemSize - len(AttrPartitionKey) - len(k.pk) - len(AttrSortKey) - len(k.sk) -
		len(AttrVersion) - maxNumberSize - len(AttrValue)
}

// checkValue reports whether value fits in the item of key k.
func checkValue(k itemKey, value []byte) error {
	if limit := maxValueSize(k); len(value) > limit {
		return fmt.Errorf("%w: value is %d bytes, limit %d for this key", ErrValueTooLarge, len(value), limit)
	}
	return nil
}

// escapeEnd is one past the largest rune encodeKey produces (U+00FF); an
// encoded prefix followed by it bounds every encoded key with that prefix.
const escapeEnd = "\u0100"

// encodeKey maps a key (any bytes) to a valid UTF-8 string whose byte order
// matches the key's byte order: bytes below 0x80 stay as they are, and each
// byte 0x80-0xFF becomes the rune U+0080-U+00FF (two bytes, 0xC2 or 0xC3
// then a continuation byte). Both DynamoDB and Tablestore compare strings as
// UTF-8 bytes, so prefixes and ranges keep their meaning. ASCII keys, which
// is all the service writes, are stored unchanged.
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
// produce (a rune above U+00FF or invalid UTF-8).
func decodeKey(s string) (string, error) {
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
			return "", fmt.Errorf("dynamo: stored key %q: rune %U at byte %d is not a key byte", s, r, i)
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// partitionOf returns the partition of key: its first PartitionDepth
// segments including the slash that ends each one, or RootPartition when
// key has fewer slashes. Every key that starts with a prefix of at least
// PartitionDepth slashes lies in that prefix's partition, which is what lets
// List use a Query.
func partitionOf(key string) string {
	end := 0
	for range PartitionDepth {
		i := strings.IndexByte(key[end:], '/')
		if i < 0 {
			return RootPartition
		}
		end += i + 1
	}
	return key[:end]
}

// queryable reports whether List(prefix, …) can be answered by one Query:
// the prefix fixes the partition.
func queryable(prefix string) bool {
	return partitionOf(prefix) != RootPartition
}

// itemKey is the stored primary key of one kv key.
type itemKey struct {
	pk, sk string
}

// keyOf validates key and returns its stored primary key: pk is the encoded
// partition, sk the whole encoded key (so sort order within a partition is
// the key order and the key decodes from sk alone).
func keyOf(key string) (itemKey, error) {
	if key == "" {
		return itemKey{}, fmt.Errorf("%w: empty key", kv.ErrInvalidKey)
	}
	if len(key) > kv.MaxKeySize {
		return itemKey{}, fmt.Errorf("%w: key is %d bytes, limit %d", kv.ErrInvalidKey, len(key), kv.MaxKeySize)
	}
	sk := encodeKey(key)
	if len(sk) > MaxSortKeySize {
		return itemKey{}, fmt.Errorf("%w: key encodes to %d bytes, DynamoDB sort key limit %d", kv.ErrInvalidKey, len(sk), MaxSortKeySize)
	}
	return itemKey{pk: encodeKey(partitionOf(key)), sk: sk}, nil
}
