package dynamo

import (
	"fmt"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/internal/keyenc"
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
	// AttrExpiresAt is the table's TTL attribute (a Number of epoch
	// seconds). Only CompareAndSwapExpiring writes it; CreateTable enables
	// TTL on it.
	AttrExpiresAt = "expiresAt"
	// AttrWriteToken holds a random String naming the PutIfAbsent or
	// CompareAndSwap that stored the item. When DynamoDB applies a write
	// but its answer is an error (a 500, a dropped connection), the SDK
	// sends the write again and the retry's condition fails against the
	// write itself; finding its own token tells the store that the write
	// is done rather than lost to another writer.
	AttrWriteToken = "wt"
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

// writeTokenSize is the length of a write token (AttrWriteToken).
const writeTokenSize = 16

// maxValueSize is the largest value that fits in one item with key k.
func maxValueSize(k itemKey) int {
	return MaxItemSize - len(AttrPartitionKey) - len(k.pk) - len(AttrSortKey) - len(k.sk) -
		len(AttrVersion) - maxNumberSize - len(AttrValue) - len(AttrWriteToken) - writeTokenSize
}

// checkValue reports whether value fits in the item of key k.
func checkValue(k itemKey, value []byte) error {
	if limit := maxValueSize(k); len(value) > limit {
		return fmt.Errorf("%w: value is %d bytes, limit %d for this key", ErrValueTooLarge, len(value), limit)
	}
	return nil
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

// keyOf validates key and returns its stored primary key (keys are encoded
// by package keyenc, so they are valid UTF-8 and keep their byte order): pk is the encoded
// partition, sk the whole encoded key (so sort order within a partition is
// the key order and the key decodes from sk alone).
func keyOf(key string) (itemKey, error) {
	if err := kv.CheckKey(key); err != nil {
		return itemKey{}, err
	}
	sk := keyenc.Encode(key)
	if len(sk) > MaxSortKeySize {
		return itemKey{}, fmt.Errorf("%w: key encodes to %d bytes, DynamoDB sort key limit %d", kv.ErrInvalidKey, len(sk), MaxSortKeySize)
	}
	return itemKey{pk: keyenc.Encode(partitionOf(key)), sk: sk}, nil
}
