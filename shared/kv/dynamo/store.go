package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/internal/keyenc"
)

// ErrValueTooLarge means a value does not fit in one DynamoDB item
// (MaxItemSize, minus the key and the other attributes). PutIfAbsent and
// CompareAndSwap return it, wrapped, without sending a request.
var ErrValueTooLarge = errors.New("dynamo: value too large")

// maxRounds bounds the internal retries of a conditional write whose
// follow-up read saw the item change again (deleted, recreated) in between.
const maxRounds = 10

// Store is a kv store on one DynamoDB table (see the package documentation
// for the layout). It is safe for concurrent use; it holds no state besides
// the client, so any number of Stores (in any number of processes) may share
// a table.
type Store struct {
	client *dynamodb.Client
	table  string
	closed atomic.Bool
}

// New returns a Store on table through client. The table must exist with the
// layout CreateTable makes. New makes no request; it returns an error only
// for a nil client or an empty table name.
func New(client *dynamodb.Client, table string) (*Store, error) {
	if client == nil {
		return nil, errors.New("dynamo: nil client")
	}
	if table == "" {
		return nil, errors.New("dynamo: empty table name")
	}
	return &Store{client: client, table: table}, nil
}

// begin runs the checks every keyed call starts with and returns the stored
// key of key.
func (s *Store) begin(ctx context.Context, key string) (itemKey, error) {
	if s.closed.Load() {
		return itemKey{}, kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return itemKey{}, err
	}
	return keyOf(key)
}

func (k itemKey) attrs() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPartitionKey: &types.AttributeValueMemberS{Value: k.pk},
		AttrSortKey:      &types.AttributeValueMemberS{Value: k.sk},
	}
}

// record is the full stored form of an item.
func (k itemKey) record(value []byte, version int64) map[string]types.AttributeValue {
	m := k.attrs()
	m[AttrVersion] = number(version)
	if len(value) > 0 {
		m[AttrValue] = &types.AttributeValueMemberB{Value: value}
	}
	return m
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// versionNames maps the expression name #ver to the version attribute.
var versionNames = map[string]string{"#ver": AttrVersion}

// decodeItem converts a stored record into an Item.
func decodeItem(m map[string]types.AttributeValue) (kv.Item, error) {
	sk, ok := m[AttrSortKey].(*types.AttributeValueMemberS)
	if !ok {
		return kv.Item{}, fmt.Errorf("dynamo: stored item without a string %s", AttrSortKey)
	}
	key, err := keyenc.Decode(sk.Value)
	if err != nil {
		return kv.Item{}, fmt.Errorf("dynamo: %w", err)
	}
	ver, ok := m[AttrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return kv.Item{}, fmt.Errorf("dynamo: stored item %q has no numeric %s", key, AttrVersion)
	}
	version, err := strconv.ParseInt(ver.Value, 10, 64)
	if err != nil {
		return kv.Item{}, fmt.Errorf("dynamo: stored item %q: version %q: %w", key, ver.Value, err)
	}
	value := []byte{}
	switch v := m[AttrValue].(type) {
	case nil:
	case *types.AttributeValueMemberB:
		value = append(value, v.Value...)
	default:
		return kv.Item{}, fmt.Errorf("dynamo: stored item %q: %s is %T, want Binary", key, AttrValue, v)
	}
	return kv.Item{Key: key, Value: value, Version: version}, nil
}

// conditionFailed reports whether err is a lost condition and returns the
// item DynamoDB sent back with it (empty when the item does not exist, and
// always empty from dynalite, which ignores
// ReturnValuesOnConditionCheckFailure).
func conditionFailed(err error) (map[string]types.AttributeValue, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}

// Get returns the item stored under key, with a strongly consistent read. It
// returns kv.ErrNotFound when there is none, kv.ErrInvalidKey for a bad key,
// kv.ErrClosed after Close, the context's error, or a DynamoDB error.
func (s *Store) Get(ctx context.Context, key string) (kv.Item, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	return s.get(ctx, k)
}

func (s *Store) get(ctx context.Context, k itemKey) (kv.Item, error) {
	m, err := s.getRaw(ctx, k)
	if err != nil {
		return kv.Item{}, err
	}
	return decodeItem(m)
}

// getRaw reads the stored record of k (consistently); kv.ErrNotFound when
// there is none.
func (s *Store) getRaw(ctx context.Context, k itemKey) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            k.attrs(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get %q: %w", k.sk, err)
	}
	if len(out.Item) == 0 {
		return nil, kv.ErrNotFound
	}
	return out.Item, nil
}

// newWriteToken returns a fresh write token (AttrWriteToken): random, not
// secret.
func newWriteToken() types.AttributeValue {
	return &types.AttributeValueMemberS{Value: fmt.Sprintf("%0*x", writeTokenSize, rand.Uint64())}
}

// ownWrite reports whether the stored record m is the write that carried
// token at version: an earlier attempt of the same request that DynamoDB
// applied although its answer was an error.
func ownWrite(m map[string]types.AttributeValue, token types.AttributeValue, version int64) bool {
	got, ok := m[AttrWriteToken].(*types.AttributeValueMemberS)
	ver, vok := m[AttrVersion].(*types.AttributeValueMemberN)
	return ok && vok && got.Value == token.(*types.AttributeValueMemberS).Value && ver.Value == strconv.FormatInt(version, 10)
}

// current returns the record a lost condition found: the one DynamoDB sent
// back with the failure, or (dynalite) a consistent read.
func (s *Store) current(ctx context.Context, k itemKey, old map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if len(old) > 0 {
		return old, nil
	}
	return s.getRaw(ctx, k)
}

// PutIfAbsent creates key with value and Version 1 (PutItem conditioned on
// attribute_not_exists(pk)). If key already exists it writes nothing and
// returns the existing item together with kv.ErrConditionFailed: from the
// condition failure itself where the server supports
// ReturnValuesOnConditionCheckFailure, else from a consistent GetItem. It
// also returns ErrValueTooLarge, kv.ErrInvalidKey, kv.ErrClosed, the context's error or a
// DynamoDB error.
func (s *Store) PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	if err := checkValue(k, value); err != nil {
		return kv.Item{}, err
	}
	item := k.record(value, 1)
	token := newWriteToken()
	item[AttrWriteToken] = token
	for range maxRounds {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return kv.Item{Key: key, Value: clone(value), Version: 1}, nil
		}
		old, lost := conditionFailed(err)
		if !lost {
			return kv.Item{}, fmt.Errorf("dynamo: put %q: %w", key, err)
		}
		old, err = s.current(ctx, k, old)
		if errors.Is(err, kv.ErrNotFound) {
			continue // deleted since our write lost: try again
		}
		if err != nil {
			return kv.Item{}, fmt.Errorf("dynamo: read existing item: %w", err)
		}
		if ownWrite(old, token, 1) {
			return kv.Item{Key: key, Value: clone(value), Version: 1}, nil
		}
		cur, err := decodeItem(old)
		if err != nil {
			return kv.Item{}, err
		}
		return cur, kv.ErrConditionFailed
	}
	return kv.Item{}, fmt.Errorf("dynamo: put %q: item kept changing: %w", key, kv.ErrConditionFailed)
}

// CompareAndSwap replaces the value of key if its stored version equals
// version (PutItem conditioned on the version attribute; the whole item is
// replaced) and returns the new item with the version incremented. It
// returns kv.ErrNotFound if key does not exist and the current item together
// with kv.ErrConditionFailed if the version differs. It also returns
// ErrValueTooLarge, kv.ErrInvalidKey, kv.ErrClosed, the context's error or a
// DynamoDB error.
func (s *Store) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error) {
	return s.compareAndSwap(ctx, key, version, value, 0)
}

// CompareAndSwapExpiring is CompareAndSwap that also stores expiresAt
// (seconds since the Unix epoch) in the Number attribute AttrExpiresAt, so
// that the table's TTL deletes the item some time after that moment. A
// later CompareAndSwap replaces the whole item and so drops the attribute.
// It returns the errors of CompareAndSwap.
func (s *Store) CompareAndSwapExpiring(ctx context.Context, key string, version int64, value []byte, expiresAt int64) (kv.Item, error) {
	return s.compareAndSwap(ctx, key, version, value, expiresAt)
}

// compareAndSwap is CompareAndSwap with an optional TTL attribute (none
// when expiresAt is 0).
func (s *Store) compareAndSwap(ctx context.Context, key string, version int64, value []byte, expiresAt int64) (kv.Item, error) {
	k, err := s.begin(ctx, key)
	if err != nil {
		return kv.Item{}, err
	}
	if err := checkValue(k, value); err != nil {
		return kv.Item{}, err
	}
	item := k.record(value, version+1)
	token := newWriteToken()
	item[AttrWriteToken] = token
	if expiresAt > 0 {
		if limit := maxValueSize(k) - len(AttrExpiresAt) - maxNumberSize; len(value) > limit {
			return kv.Item{}, fmt.Errorf("%w: value is %d bytes, limit %d for this key with a TTL", ErrValueTooLarge, len(value), limit)
		}
		item[AttrExpiresAt] = number(expiresAt)
	}
	for range maxRounds {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String(s.table),
			Item:                                item,
			ConditionExpression:                 aws.String("#ver = :v"),
			ExpressionAttributeNames:            versionNames,
			ExpressionAttributeValues:           map[string]types.AttributeValue{":v": number(version)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		if err == nil {
			return kv.Item{Key: key, Value: clone(value), Version: version + 1}, nil
		}
		old, lost := conditionFailed(err)
		if !lost {
			return kv.Item{}, fmt.Errorf("dynamo: compare-and-swap %q: %w", key, err)
		}
		if old, err = s.current(ctx, k, old); err != nil {
			return kv.Item{}, err // includes kv.ErrNotFound
		}
		if ownWrite(old, token, version+1) {
			return kv.Item{Key: key, Value: clone(value), Version: version + 1}, nil
		}
		cur, err := decodeItem(old)
		if err != nil {
			return kv.Item{}, err
		}
		if cur.Version != version {
			return cur, kv.ErrConditionFailed
		}
		// The item was missing when we wrote and has been created with
		// our version since (dynalite's follow-up read only): try again.
	}
	return kv.Item{}, fmt.Errorf("dynamo: compare-and-swap %q: item kept changing: %w", key, kv.ErrConditionFailed)
}

// Delete removes key. With version 0 the delete is unconditional (it only
// requires the item to exist); otherwise it happens only if the stored
// version equals version. It returns kv.ErrNotFound if key does not exist,
// kv.ErrConditionFailed if the version differs, kv.ErrInvalidKey,
// kv.ErrClosed, the context's error or a DynamoDB error.
func (s *Store) Delete(ctx context.Context, key string, version int64) error {
	k, err := s.begin(ctx, key)
	if err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 k.attrs(),
		ConditionExpression:                 aws.String("attribute_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if version != 0 {
		in.ConditionExpression = aws.String("#ver = :v")
		in.ExpressionAttributeNames = versionNames
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": number(version)}
	}
	_, err = s.client.DeleteItem(ctx, in)
	if err == nil {
		return nil
	}
	old, lost := conditionFailed(err)
	switch {
	case !lost:
		return fmt.Errorf("dynamo: delete %q: %w", key, err)
	case version == 0 || len(old) > 0:
		if version == 0 {
			return kv.ErrNotFound
		}
		return kv.ErrConditionFailed
	}
	// dynalite: tell a missing item from a different version.
	if _, err := s.get(ctx, k); err != nil {
		return err // includes kv.ErrNotFound
	}
	return kv.ErrConditionFailed
}

// List returns the items whose key starts with prefix and sorts strictly
// after after ("" means from the start), in ascending byte order, at most
// limit of them (limit <= 0 means no limit). All reads are strongly
// consistent.
//
// A prefix with at least PartitionDepth slashes ("flow/<account>/",
// "exec/<account>/<flowId>/") names one partition and is answered by a Query
// over a sort-key range, paged by DynamoDB's 1 MB pages and limit. Any other
// prefix ("", "exec/") needs a Scan of the whole table with a filter, sorted
// in memory; its cost grows with the table, not with the result.
//
// It returns kv.ErrClosed after Close, the context's error or a DynamoDB
// error.
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
	if queryable(prefix) {
		return s.query(ctx, prefix, after, limit)
	}
	return s.scan(ctx, prefix, after, limit)
}

// wanted reports whether key belongs in List(prefix, after, …).
func wanted(key, prefix, after string) bool {
	return strings.HasPrefix(key, prefix) && key > after
}

// query answers List for a prefix inside one partition. The key condition
// selects a superset (a range that may include after itself); the exact
// filter runs here.
func (s *Store) query(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	lo, op := keyenc.Encode(prefix), ">="
	if after >= prefix {
		lo, op = keyenc.Encode(after), ">"
	}
	if len(lo) > MaxSortKeySize {
		// Longer than any stored key: start at a shorter bound below it.
		lo, op = keyenc.Truncate(lo, MaxSortKeySize), ">="
	}
	values := map[string]types.AttributeValue{
		":pk": &types.AttributeValueMemberS{Value: keyenc.Encode(partitionOf(prefix))},
		":lo": &types.AttributeValueMemberS{Value: lo},
	}
	cond := "#pk = :pk AND #sk " + op + " :lo"
	if hi := keyenc.Encode(prefix) + keyenc.End; len(hi) <= MaxSortKeySize {
		// Every encoded key with the prefix sorts below hi, so the range
		// ends with the prefix instead of the partition.
		values[":hi"] = &types.AttributeValueMemberS{Value: hi}
		cond = "#pk = :pk AND #sk BETWEEN :lo AND :hi"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPartitionKey, "#sk": AttrSortKey},
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
	}
	var out []kv.Item
	for {
		if limit > 0 {
			// One more than needed, for the item equal to after.
			in.Limit = aws.Int32(int32(min(limit-len(out)+1, 1000)))
		}
		page, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %q: %w", prefix, err)
		}
		for _, m := range page.Items {
			it, err := decodeItem(m)
			if err != nil {
				return nil, err
			}
			if !strings.HasPrefix(it.Key, prefix) {
				return out, nil // ordered: past the prefix
			}
			if !wanted(it.Key, prefix, after) {
				continue
			}
			out = append(out, it)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// scan answers List for a prefix that spans partitions: it reads the whole
// table (filtered on the server), then sorts and cuts in memory.
func (s *Store) scan(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	var out []kv.Item
	err := s.scanEach(ctx, prefix, after, func(it kv.Item) error {
		out = append(out, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b kv.Item) int { return strings.Compare(a.Key, b.Key) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// scanEach reads the whole table once (a Scan filtered on the server, page
// by page) and calls fn for each item whose key starts with prefix and
// sorts after after, in no particular order.
func (s *Store) scanEach(ctx context.Context, prefix, after string, fn func(kv.Item) error) error {
	in := &dynamodb.ScanInput{
		TableName:      aws.String(s.table),
		ConsistentRead: aws.Bool(true),
	}
	var conds []string
	values := map[string]types.AttributeValue{}
	if prefix != "" {
		conds = append(conds, "begins_with(#sk, :prefix)")
		values[":prefix"] = &types.AttributeValueMemberS{Value: keyenc.Encode(prefix)}
	}
	if after != "" {
		conds = append(conds, "#sk > :after")
		values[":after"] = &types.AttributeValueMemberS{Value: keyenc.Encode(after)}
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
		in.ExpressionAttributeNames = map[string]string{"#sk": AttrSortKey}
		in.ExpressionAttributeValues = values
	}
	for {
		page, err := s.client.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("dynamo: list %q: %w", prefix, err)
		}
		for _, m := range page.Items {
			it, err := decodeItem(m)
			if err != nil {
				return err
			}
			if !wanted(it.Key, prefix, after) {
				continue
			}
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// Each calls fn for every item whose key starts with prefix, reading each
// item once. A prefix within one partition (see List) is read with List's
// Query, in key order, page by page; any other prefix with one Scan of the
// table, in no particular order, where paging through List would scan the
// whole table again for every page. Items written while Each runs may or
// may not be seen. fn's error stops Each and is returned; Each also returns
// kv.ErrClosed after Close, the context's error or a DynamoDB error.
func (s *Store) Each(ctx context.Context, prefix string, fn func(kv.Item) error) error {
	if s.closed.Load() {
		return kv.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !queryable(prefix) {
		return s.scanEach(ctx, prefix, "", fn)
	}
	after := ""
	for {
		items, err := s.query(ctx, prefix, after, eachPage)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(items) < eachPage {
			return nil
		}
		after = items[len(items)-1].Key
	}
}

// eachPage is how many items one Query of Each asks for.
const eachPage = 1000

// Update is kv.Update on s, a read-modify-write helper with the semantics
// of kv.MemStore.Update: it reads key, calls fn with the current item
// (exists is false and cur the zero Item when there is none), and writes
// fn's value with PutIfAbsent or CompareAndSwap, retrying from the read when
// another writer wins, up to kv.MaxAttempts times (see kv.Retry). fn may run more
// than once and must have no side effects; its error aborts the update and
// is returned unchanged. Update returns the written item, or
// kv.ErrConditionFailed when it gives up, kv.ErrInvalidKey, kv.ErrClosed,
// the context's error or a DynamoDB error.
func (s *Store) Update(ctx context.Context, key string, fn func(cur kv.Item, exists bool) (newValue []byte, err error)) (kv.Item, error) {
	return kv.Update(ctx, s, key, fn)
}

// Close marks the store closed: later calls to any method except Close
// return kv.ErrClosed. It does not touch the table or the client, which the
// caller owns. Closing twice is not an error.
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
