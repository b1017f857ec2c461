// Package tablestore provides Store, a kv store on one Alibaba Cloud
// Tablestore (OTS) table through github.com/aliyun/aliyun-tablestore-go-sdk
// v4.1.3, with the same method set, semantics and sentinel errors as
// kv.MemStore (callers compare with errors.Is against kv.ErrNotFound,
// kv.ErrConditionFailed, kv.ErrClosed and kv.ErrInvalidKey). See
// platforms.md 9.3.
//
// # Table layout
//
// One String primary-key column pk holds the key, and each row has the
// columns val (Binary, absent when the value is empty) and ver (Integer).
// Keys are arbitrary bytes, so pk holds the same order- and prefix-keeping
// encoding as package dynamo (package kv/internal/keyenc): ASCII unchanged, bytes 0x80-0xFF as the runes
// U+0080-U+00FF. A key longer than MaxKeyColumnSize bytes once encoded fails
// with kv.ErrInvalidKey, and a value longer than MaxValueSize (2 MiB, the
// column limit) with ErrValueTooLarge.
//
// Tablestore keeps rows sorted by primary key across the whole table, so
// unlike DynamoDB one key column suffices: List for any prefix is one
// GetRange over [max(prefix, after), prefix + U+0100), paged by
// NextStartPrimaryKey, with no scan. Tablestore's TTL is table-wide, so
// CreateTable keeps data forever; the column name expiresAt is reserved for
// a per-item expiry, which the store neither writes nor checks yet.
//
// # Conditional writes
//
// PutIfAbsent is PutRow expecting the row not to exist. CompareAndSwap is
// PutRow of the whole row expecting it to exist with ver == version (a
// SingleColumnCondition with FilterIfMissing, so a row without ver fails).
// Delete is DeleteRow expecting the row to exist, with the same version
// condition when version is not 0. Conditions are built as RowCondition
// values, never through SetColumnCondition (which panics unless SetCondition
// ran first); the fake-endpoint tests decode the requests to check that each
// condition, including the delete's, reaches the wire. A lost condition is
// the error code OTSConditionCheckFail; a GetRow then returns the current
// row or tells a missing row (kv.ErrNotFound) from a different version
// (kv.ErrConditionFailed). Tablestore reads are strongly consistent.
//
// # No atomic multi-key write
//
// The store has no Apply (kv's atomic multi-key write): Tablestore's local
// transactions cover only rows that share a partition key, and here the
// whole key is the one primary-key column, so every row is its own
// partition; BatchWriteRow is not atomic across rows. Callers keeping
// secondary keys (package execution's listing index) write them in order
// with single-row conditional writes and verify them on read.
//
// # Limits
//
// The SDK takes no context.Context: a done context is noticed before each
// request, and the client's TableStoreConfig (HTTPTimeout, RetryTimes,
// MaxRetryTime) bounds a request; keep them below the function's time
// budget. There is no Tablestore emulator, so the contract suite runs only
// when OTS_ENDPOINT, OTS_INSTANCE, ALIBABA_CLOUD_ACCESS_KEY_ID and
// ALIBABA_CLOUD_ACCESS_KEY_SECRET are set (ALIBABA_CLOUD_SECURITY_TOKEN
// optional); offline tests cover the key encoding, ranges, row decoding,
// the requests sent and the error translation against a stand-in endpoint.
package tablestore
