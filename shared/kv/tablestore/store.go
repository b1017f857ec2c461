package tablestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/internal/keyenc"
)

// Tablestore error codes the store interprets. The SDK has no constant for
// them; they are compared as strings.
const (
	codeConditionCheckFail = "OTSConditionCheckFail"
	codeObjectNotExist     = "OTSObjectNotExist"
)

// MaxValueSize is Tablestore's limit on one attribute column value (2 MiB).
const MaxValueSize = 2 << 20

// ErrValueTooLarge means a value is longer than MaxValueSize. PutIfAbsent and
// CompareAndSwap return it, wrapped, without sending a request.
var ErrValueTooLarge = errors.New("tablestore: value too large")

// checkValue reports whether value fits in one column.
func checkValue(value []byte) error {
	if len(value) > MaxValueSize {
		return fmt.Errorf("%w: value is %d bytes, limit %d", ErrValueTooLarge, len(value), MaxValueSize)
	}
	return nil
}

// maxRounds bounds the internal retries of a conditional write whose
// follow-up read saw the row change again (deleted, recreated) in between.
const maxRounds = 10

// rangeLimit is the most rows one GetRange asks for.
const rangeLimit = 5000

// Store is a kv store on one Tablestore table (see the package documentation
// for the layout). It is safe for concurrent use and keeps no state besides
// the client, so any number of Stores may share a table.
type Store struct {
	client *ots.TableStoreClient
	table  string
	closed atomic.Bool
}

// New returns a Store on table through client. The table must exist with the
// layout CreateTable makes. New makes no request; it returns an error only
// for a nil client or an empty table name.
func New(client *ots.TableStoreClient, table string) (*Store, error) {
	if client == nil {
		return nil, errors.New("tablestore: nil client")
	}
	if table == "" {
		return nil, errors.New("tablestore: empty table name")
	}
	return &Store{client: client, table: table}, nil
}

// begin runs the checks every keyed call starts with and returns the
// encoded key. The SDK takes no context, so a done context is only noticed
// before a request is sent; request time is bounded by the client's
// TableStoreConfig.HTTPTimeout.
func (s *Store) begin(ctx context.Context, key string) (string, error) {
	if s.closed.Load() {
		return "", kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return keyOf(key)
}

func primaryKey(enc string) *ots.PrimaryKey {
	pk := new(ots.PrimaryKey)
	pk.AddPrimaryKeyColumn(ColumnKey, enc)
	return pk
}

// versionIs is the column condition "ver == version", failing (not passing)
// when the row has no version column.
func versionIs(version int64) *ots.SingleColumnCondition {
	c := ots.NewSingleColumnCondition(ColumnVersion, ots.CT_EQUAL, version)
	c.FilterIfMissing = true
	c.LatestVersionOnly = true
	return c
}

// putRow builds a PutRow of the whole row under cond. The condition is set
// as a struct, never through SetColumnCondition, which dereferences a
// condition SetCondition must have created first.
func (s *Store) putRow(enc string, value []byte, version int64, cond *ots.RowCondition) *ots.PutRowRequest {
	change := &ots.PutRowChange{TableName: s.table, PrimaryKey: primaryKey(enc), Condition: cond}
	change.AddColumn(ColumnVersion, version)
	if len(value) > 0 {
		change.AddColumn(ColumnValue, value)
	}
	return &ots.PutRowRequest{PutRowChange: change}
}

// isCode reports whether err is a Tablestore error with code.
func isCode(err error, code string) bool {
	var oe *ots.OtsError
	return errors.As(err, &oe) && oe.Code == code
}

// decodeRow converts a row's primary key and columns into an Item.
func decodeRow(pk *ots.PrimaryKey, cols []*ots.AttributeColumn) (kv.Item, error) {
	if pk == nil || len(pk.PrimaryKeys) != 1 || pk.PrimaryKeys[0].ColumnName != ColumnKey {
		return kv.Item{}, fmt.Errorf("tablestore: row without the single primary key %s", ColumnKey)
	}
	enc, ok := pk.PrimaryKeys[0].Value.(string)
	if !ok {
		return kv.Item{}, fmt.Errorf("tablestore: primary key %s is %T, want string", ColumnKey, pk.PrimaryKeys[0].Value)
	}
	key, err := keyenc.Decode(enc)
	if err != nil {
		return kv.Item{}, fmt.Errorf("tablestore: %w", err)
	}
	it := kv.Item{Key: key, Value: []byte{}}
	for _, c := range cols {
		switch c.ColumnName {
		case ColumnVersion:
			v, ok := c.Value.(int64)
			if !ok {
				return kv.Item{}, fmt.Errorf("tablestore: row %q: %s is %T, want int64", key, ColumnVersion, c.Value)
			}
			it.Version = v
		case ColumnValue:
			v, ok := c.Value.([]byte)
			if !ok {
				return kv.Item{}, fmt.Errorf("tablestore: row %q: %s is %T, want []byte", key, ColumnValue, c.Value)
			}
			it.Value = append(it.Value, v...)
		}
	}
	if it.Version < 1 {
		return kv.Item{}, fmt.Errorf("tablestore: row %q has no valid %s", key, ColumnVersion)
	}
	return it, nil
}

// Get returns the item stored under key (Tablestore reads are strongly
// consistent). It returns kv.ErrNotFound when there is none,
// kv.ErrInvalidKey for a bad key, kv.ErrClosed after Close, the context's
// error, or a Tablestore error.
func (s *Store) Get(ctx context.Context, key string) (kv.Item, error) {
	enc, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	return s.get(enc)
}

// GetMany returns the items stored under keys, in the order of keys,
// leaving out the keys that have none: one GetRow each (the execution
// service asks for a page of records at a time). It returns what Get
// returns, except kv.ErrNotFound.
func (s *Store) GetMany(ctx context.Context, keys []string) ([]kv.Item, error) {
	out := make([]kv.Item, 0, len(keys))
	for _, key := range keys {
		it, err := s.Get(ctx, key)
		if errors.Is(err, kv.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

func (s *Store) get(enc string) (kv.Item, error) {
	out, err := s.client.GetRow(&ots.GetRowRequest{SingleRowQueryCriteria: &ots.SingleRowQueryCriteria{
		TableName:  s.table,
		PrimaryKey: primaryKey(enc),
		MaxVersion: 1,
	}})
	if err != nil {
		return kv.Item{}, fmt.Errorf("tablestore: get %q: %w", enc, err)
	}
	if len(out.PrimaryKey.PrimaryKeys) == 0 {
		return kv.Item{}, kv.ErrNotFound
	}
	return decodeRow(&out.PrimaryKey, out.Columns)
}

// PutIfAbsent creates key with value and Version 1 (PutRow expecting the row
// not to exist). If key already exists it writes nothing and returns the
// existing item, read back with GetRow, together with kv.ErrConditionFailed.
// It also returns ErrValueTooLarge, kv.ErrInvalidKey, kv.ErrClosed, the context's error or a
// Tablestore error.
func (s *Store) PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error) {
	enc, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	if err := checkValue(value); err != nil {
		return kv.Item{}, err
	}
	for range maxRounds {
		cond := &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_NOT_EXIST}
		_, err := s.client.PutRow(s.putRow(enc, value, 1, cond))
		if err == nil {
			return kv.Item{Key: key, Value: clone(value), Version: 1}, nil
		}
		if !isCode(err, codeConditionCheckFail) {
			return kv.Item{}, fmt.Errorf("tablestore: put %q: %w", key, err)
		}
		cur, err := s.get(enc)
		if errors.Is(err, kv.ErrNotFound) {
			continue // deleted since our write lost: try again
		}
		if err != nil {
			return kv.Item{}, fmt.Errorf("tablestore: read existing row: %w", err)
		}
		return cur, kv.ErrConditionFailed
	}
	return kv.Item{}, fmt.Errorf("tablestore: put %q: row kept changing: %w", key, kv.ErrConditionFailed)
}

// CompareAndSwap replaces the value of key if its stored version equals
// version (PutRow of the whole row expecting the row to exist and
// ver == version, with FilterIfMissing so a row without a version fails) and
// returns the new item with the version incremented. It returns
// kv.ErrNotFound if key does not exist and the current item together with
// kv.ErrConditionFailed if the version differs. It also returns
// ErrValueTooLarge, kv.ErrInvalidKey, kv.ErrClosed, the context's error or a
// Tablestore error.
func (s *Store) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error) {
	enc, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	if err := checkValue(value); err != nil {
		return kv.Item{}, err
	}
	for range maxRounds {
		cond := &ots.RowCondition{
			RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_EXIST,
			ColumnCondition:         versionIs(version),
		}
		_, err := s.client.PutRow(s.putRow(enc, value, version+1, cond))
		if err == nil {
			return kv.Item{Key: key, Value: clone(value), Version: version + 1}, nil
		}
		if !isCode(err, codeConditionCheckFail) {
			return kv.Item{}, fmt.Errorf("tablestore: compare-and-swap %q: %w", key, err)
		}
		cur, err := s.get(enc)
		if err != nil {
			return kv.Item{}, err // includes kv.ErrNotFound
		}
		if cur.Version != version {
			return cur, kv.ErrConditionFailed
		}
		// Missing when we wrote, recreated with our version since: again.
	}
	return kv.Item{}, fmt.Errorf("tablestore: compare-and-swap %q: row kept changing: %w", key, kv.ErrConditionFailed)
}

// Delete removes key. With version 0 the delete only expects the row to
// exist; otherwise it also requires ver == version. It returns
// kv.ErrNotFound if key does not exist, kv.ErrConditionFailed if the version
// differs, kv.ErrInvalidKey, kv.ErrClosed, the context's error or a
// Tablestore error.
//
// The version condition is sent as the delete's column condition: in SDK
// v4.1.3 DeleteRowChange serializes RowCondition.ColumnCondition (a test
// checks the request on the wire), whatever older notes say about
// SetColumnCondition.
func (s *Store) Delete(ctx context.Context, key string, version int64) error {
	enc, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	cond := &ots.RowCondition{RowExistenceExpectation: ots.RowExistenceExpectation_EXPECT_EXIST}
	if version != 0 {
		cond.ColumnCondition = versionIs(version)
	}
	_, err = s.client.DeleteRow(&ots.DeleteRowRequest{DeleteRowChange: &ots.DeleteRowChange{
		TableName: s.table, PrimaryKey: primaryKey(enc), Condition: cond,
	}})
	switch {
	case err == nil:
		return nil
	case !isCode(err, codeConditionCheckFail):
		return fmt.Errorf("tablestore: delete %q: %w", key, err)
	case version == 0:
		return kv.ErrNotFound
	}
	if _, err := s.get(enc); err != nil {
		return err // includes kv.ErrNotFound
	}
	return kv.ErrConditionFailed
}

// List returns the items whose key starts with prefix and sorts strictly
// after after ("" means from the start), in ascending byte order, at most
// limit of them (limit <= 0 means no limit). Rows are ordered by the encoded
// key, so every prefix is one GetRange over [max(prefix, after), prefix +
// U+0100), paged by NextStartPrimaryKey. It returns kv.ErrClosed after Close,
// the context's error or a Tablestore error.
func (s *Store) List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	if s.closed.Load() {
		return nil, kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if after >= prefix && !strings.HasPrefix(after, prefix) {
		return nil, nil // after sorts past every key with the prefix
	}
	start, end := rangeOf(prefix, after)
	crit := &ots.RangeRowQueryCriteria{
		TableName:       s.table,
		StartPrimaryKey: start,
		EndPrimaryKey:   end,
		Direction:       ots.FORWARD,
		MaxVersion:      1,
	}
	var out []kv.Item
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		crit.Limit = rangeLimit
		if limit > 0 {
			crit.Limit = int32(min(limit-len(out)+1, rangeLimit)) // +1 for after itself
		}
		page, err := s.client.GetRange(&ots.GetRangeRequest{RangeRowQueryCriteria: crit})
		if err != nil {
			return nil, fmt.Errorf("tablestore: list %q: %w", prefix, err)
		}
		for _, row := range page.Rows {
			it, err := decodeRow(row.PrimaryKey, row.Columns)
			if err != nil {
				return nil, err
			}
			if !strings.HasPrefix(it.Key, prefix) {
				return out, nil // ordered: past the prefix
			}
			if it.Key <= after {
				continue
			}
			out = append(out, it)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		if page.NextStartPrimaryKey == nil {
			return out, nil
		}
		crit.StartPrimaryKey = page.NextStartPrimaryKey
	}
}

// rangeOf returns GetRange's inclusive start and exclusive end for a
// listing. The start may include after itself (List skips it); bounds that
// would exceed the primary-key size limit widen to a shorter start or to
// INF_MAX, and List filters exactly.
func rangeOf(prefix, after string) (start, end *ots.PrimaryKey) {
	lo := keyenc.Encode(max(prefix, after))
	if len(lo) > MaxKeyColumnSize {
		lo = keyenc.Truncate(lo, MaxKeyColumnSize)
	}
	start = new(ots.PrimaryKey)
	if lo == "" {
		start.AddPrimaryKeyColumnWithMinValue(ColumnKey)
	} else {
		start.AddPrimaryKeyColumn(ColumnKey, lo)
	}
	end = new(ots.PrimaryKey)
	if hi := keyenc.Encode(prefix) + keyenc.End; prefix != "" && len(hi) <= MaxKeyColumnSize {
		end.AddPrimaryKeyColumn(ColumnKey, hi)
	} else {
		end.AddPrimaryKeyColumnWithMaxValue(ColumnKey)
	}
	return start, end
}

// Update is kv.Update on s, a read-modify-write helper with the semantics
// of kv.MemStore.Update: it reads key, calls fn with the current item
// (exists is false and cur the zero Item when there is none), and writes
// fn's value with PutIfAbsent or CompareAndSwap, retrying from the read when
// another writer wins, up to kv.MaxAttempts times (see kv.Retry). fn may run more
// than once and must have no side effects; its error aborts the update and
// is returned unchanged. Update returns the written item, or
// kv.ErrConditionFailed when it gives up, kv.ErrInvalidKey, kv.ErrClosed,
// the context's error or a Tablestore error.
func (s *Store) Update(ctx context.Context, key string, fn func(cur kv.Item, exists bool) (newValue []byte, err error)) (kv.Item, error) {
	return kv.Update(ctx, s, key, fn)
}

// Close marks the store closed: later calls to any method except Close
// return kv.ErrClosed. The table and client are untouched. Closing twice is
// not an error.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

// clone returns a copy of b; an empty input yields an empty, non-nil slice.
func clone(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	return out
}
