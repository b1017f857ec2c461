// Package dynamo provides Store, a kv store on one DynamoDB table with the
// same method set, semantics and sentinel errors as kv.MemStore (callers
// compare with errors.Is against kv.ErrNotFound, kv.ErrConditionFailed,
// kv.ErrClosed and kv.ErrInvalidKey). It passes the kv/kvtest contract suite
// against dynalite and DynamoDB Local; see platforms.md 9.2 and 10.
//
// # Table layout
//
// The table has String keys pk (HASH) and sk (RANGE), as template.yaml
// declares it, and a Number attribute expiresAt for TTL, written only by
// CompareAndSwapExpiring. Each item holds:
//
//	pk   the key's partition: its first PartitionDepth (2) segments with
//	     their slashes, "flow/<account>/" or "exec/<account>/"; RootPartition
//	     ("#") for keys with fewer slashes
//	sk   the whole key
//	val  the value (Binary; absent when empty)
//	ver  the version (Number)
//	wt   the write token of the PutIfAbsent or CompareAndSwap that stored
//	     it (String, random)
//
// Keys are arbitrary bytes but DynamoDB strings are UTF-8, so pk and sk hold
// an encoding of the key that keeps its byte order and prefixes: ASCII stays
// as it is and each byte 0x80-0xFF becomes the rune U+0080-U+00FF. The
// service's keys are ASCII and read back unchanged in the console. Because a
// non-ASCII byte takes two bytes encoded and a sort key holds at most 1024
// bytes, a key whose encoding is longer than MaxSortKeySize fails with
// kv.ErrInvalidKey. An item holds at most MaxItemSize (400 KB) including
// the key twice, so a value that does not fit fails with ErrValueTooLarge
// before any request.
//
// # Reading several keys
//
// GetMany sends one strongly consistent BatchGetItem per 100 distinct keys
// and sends the keys a response leaves unprocessed (over 16 MB, throttled)
// again after a jittered backoff; each item is as consistent as a Get, the
// batch is not one snapshot.
//
// # Listing
//
// Every key starting with a prefix of at least two slashes lies in that
// prefix's partition, so List for the prefixes the service uses
// ("flow/<account>/", "exec/<account>/<flowId>/") is one Query over a
// sort-key range (BETWEEN the prefix, or after, and the prefix followed by
// U+0100), paged by DynamoDB's 1 MB pages and by limit. A prefix with fewer
// slashes ("", "exec/" for the sweeper) can match keys in any partition: List
// then Scans the whole table with a begins_with filter and sorts the matches
// in memory, so its cost grows with the table. The partition is the account
// rather than the flow so that a flow's executions and an account's flows are
// each one range; one account's requests therefore share a partition key.
//
// Each visits every item under a prefix once: with List's Query for a
// prefix within a partition, and with one Scan pass for any other prefix,
// in no order, where paging through List would scan the table again for
// every page (the execution service's sweep reads "exec/" this way).
//
// # Conditional writes
//
// PutIfAbsent is PutItem with attribute_not_exists(pk). CompareAndSwap is
// PutItem of the whole item (version+1) with the condition ver = :version.
// Delete is DeleteItem with attribute_exists(pk) or ver = :version. On a lost
// condition the current item comes from ReturnValuesOnConditionCheckFailure
// (ALL_OLD) where the server returns it, and otherwise (dynalite ignores the
// option) from a consistent GetItem, which also tells a missing item
// (kv.ErrNotFound) from a different version (kv.ErrConditionFailed).
// Apply, the atomic multi-key write, is one TransactWriteItems (see Apply);
// dynalite has no transactions and answers it with errors.ErrUnsupported,
// so the Apply contract tests run on DynamoDB Local only. Every read
// (GetItem, Query, Scan) is strongly consistent.
//
// A write DynamoDB applied may still be answered with an error (a 500, a
// dropped connection; AWS documents that the operation may have
// succeeded), and the SDK's retryer then sends it again: the retry's
// condition fails against the write itself. Each PutIfAbsent and
// CompareAndSwap therefore stores a fresh random token in wt, and a lost
// condition that finds its own token at its own version counts as the
// success it was. Without that a runner would read its own write back as
// another's, apply its step a second time and append the step's history
// events twice. A Delete whose answer was lost is reported kv.ErrNotFound
// by its retry (the item is gone either way).
//
// # Lifecycle
//
// New takes a *dynamodb.Client the caller owns and configures (retries,
// timeouts); NewLocalClient builds one for dynalite or DynamoDB Local.
// CreateTable makes the table for local use and tests. Close only marks the
// Store closed: later calls return kv.ErrClosed, and the table and client are
// untouched.
package dynamo
