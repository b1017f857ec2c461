// Package kv provides the key-value stores that hold flow and execution
// records: MemStore (in memory, for tests) and BoltStore (a bbolt file, the
// embedded default). Cloud stores (DynamoDB, Tablestore) follow the same
// contract, which package kv/kvtest checks for every store.
//
// Stores are concrete types; consumers declare the small interface they need
// (for example execution's store of Get, PutIfAbsent and CompareAndSwap).
//
// # Items and versions
//
// An Item is a key, an opaque value and a version. PutIfAbsent creates an
// item with Version 1; every successful CompareAndSwap stores Version+1. A
// deleted key starts again at Version 1 when it is created anew. Keys are
// non-empty strings of at most MaxKeySize bytes (ErrInvalidKey otherwise),
// compared as bytes: List returns keys in ascending byte order. GetMany
// reads several keys in one call (one transaction on bbolt, one lock on
// MemStore, BatchGetItem on DynamoDB), leaving out the absent ones.
//
// # Conditional writes
//
// There are two write primitives, and a writer that loses a condition gets
// ErrConditionFailed instead of overwriting:
//
//   - PutIfAbsent(key, value) creates key. If it exists, nothing is written
//     and the existing item is returned together with ErrConditionFailed, so
//     the caller can decide what the existing record means (StartExecution's
//     idempotency rules live in package execution, not here).
//   - CompareAndSwap(key, version, value) writes only if the stored version
//     equals version, and returns the new item. A stale version returns the
//     current item with ErrConditionFailed; a missing key returns ErrNotFound.
//
// Delete(key, version) is conditional in the same way, with version 0 meaning
// unconditional. Retry is the one loop for optimistic writes: it reruns a
// round that lost (ErrConditionFailed) after a jittered backoff, at most
// MaxAttempts times. Update builds a read-modify-write on it; its function
// may run more than once. Under any number of concurrent writers exactly one PutIfAbsent
// of a key wins and no CompareAndSwap increment is lost.
//
// # Atomic multi-key writes
//
// Apply(ctx, ops) writes several keys atomically: each Op creates
// (OpCreate, the PutIfAbsent condition), swaps (OpSwap, the CompareAndSwap
// condition), stores without condition (OpPut, for index entries) or
// deletes (OpDelete, conditional on a non-zero version) one key, at most
// MaxOps of them, each key once. Either every condition holds and every
// operation is applied, or nothing is written and Apply returns
// ErrConditionFailed. MemStore applies them under its lock, BoltStore in one
// transaction (inside a group commit like any write), the DynamoDB store
// with TransactWriteItems (DynamoDB and DynamoDB Local; dynalite has no
// transactions, and Apply there returns errors.ErrUnsupported). The
// Tablestore store has no Apply: its rows are keyed by one primary-key
// column, and Tablestore transactions span only rows of one partition key,
// so callers fall back to ordered single-key writes there (see package
// execution).
//
// # Errors
//
// Methods return the sentinels ErrNotFound, ErrConditionFailed, ErrClosed and
// ErrInvalidKey (possibly wrapped; compare with errors.Is), the context's
// error when ctx is already done, or an error from the underlying storage.
// OpenBolt returns ErrLocked when another process holds the database file.
//
// # Values
//
// Stores copy values on the way in and out: changing a slice passed to or
// returned from a store never changes stored data. An empty value reads back
// as an empty, non-nil slice.
//
// # bbolt
//
// BoltStore keeps every item in one bucket of the file dir/cloudflow.db, as a
// format byte, the version (8 bytes, big-endian) and the value. Each
// conditional write checks and writes inside a read-write transaction, so it
// is atomic, and a write returns only after its commit is synced to disk.
//
// Group commit (the default): one goroutine runs every write. It takes the
// first waiting writer and every writer already waiting behind it (at most
// BoltOptions.MaxGroup), runs them in one transaction and commits it with
// one sync (bbolt syncs twice per commit: data pages, then the meta page).
// A lone writer waits for nobody; writers that arrive during a commit share
// the next one, so syncs per write fall as concurrency rises, with no loss
// of durability. A writer's function may run more than once (if another
// function of its group fails, each then runs alone), so functions reset
// their results on every run and report a lost condition as a result rather
// than an error. BoltOptions.Solo commits each write alone (for
// comparison). The file is locked exclusively: only one process
// (functions/local) may own the directory, and a second OpenBolt fails with
// ErrLocked after BoltOptions.Timeout.
package kv
