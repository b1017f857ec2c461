package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Apply runs ops atomically with one TransactWriteItems request: either
// every condition holds and every operation is applied, or nothing is
// written (see kv.OpKind). OpCreate and OpSwap are Puts of the whole item
// conditioned like PutIfAbsent and CompareAndSwap, OpPut an Update that
// sets the value and adds 1 to the version (1 for a new item), OpDelete a
// Delete, conditioned on the version when it is not 0. A non-zero
// Op.ExpiresAt is stored in AttrExpiresAt, so the table's TTL deletes the
// item too; an OpPut without one removes it.
//
// It returns kv.ErrConditionFailed (wrapped) when a condition fails or a
// concurrent transaction on one of the items cancelled this one (either
// way the caller reads again and retries), errors.ErrUnsupported (wrapped)
// when the server has no TransactWriteItems (dynalite), ErrValueTooLarge,
// kv.ErrInvalidKey, an error for an empty or oversized list or a key named
// twice, kv.ErrClosed, the context's error or a DynamoDB error. A
// transaction costs twice the write capacity of the same plain writes.
func (s *Store) Apply(ctx context.Context, ops []kv.Op) error {
	if s.closed.Load() {
		return kv.ErrClosed
	}
	if err := kv.CheckOps(ctx, ops); err != nil {
		return err
	}
	items := make([]types.TransactWriteItem, len(ops))
	for i, op := range ops {
		k, err := keyOf(op.Key)
		if err != nil {
			return err
		}
		if items[i], err = s.transactItem(k, op); err != nil {
			return err
		}
	}
	_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return nil
	}
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		for i, r := range cancelled.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed", "TransactionConflict":
				return fmt.Errorf("dynamo: apply: %s on %q: %w", aws.ToString(r.Code), ops[i].Key, kv.ErrConditionFailed)
			}
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) && strings.Contains(api.ErrorCode(), "UnknownOperation") {
		return fmt.Errorf("dynamo: apply: the server has no TransactWriteItems (%w): %w", errors.ErrUnsupported, err)
	}
	return fmt.Errorf("dynamo: apply: %w", err)
}

// transactItem is the TransactWriteItems entry of op on the item k.
func (s *Store) transactItem(k itemKey, op kv.Op) (types.TransactWriteItem, error) {
	table := aws.String(s.table)
	if op.Kind != kv.OpDelete {
		limit := maxValueSize(k)
		if op.ExpiresAt > 0 {
			limit -= len(AttrExpiresAt) + maxNumberSize
		}
		if len(op.Value) > limit {
			return types.TransactWriteItem{}, fmt.Errorf("%w: value is %d bytes, limit %d for key %q", ErrValueTooLarge, len(op.Value), limit, op.Key)
		}
	}
	withTTL := func(m map[string]types.AttributeValue) map[string]types.AttributeValue {
		if op.ExpiresAt > 0 {
			m[AttrExpiresAt] = number(op.ExpiresAt)
		}
		return m
	}
	versionIs := map[string]types.AttributeValue{":v": number(op.Version)}
	switch op.Kind {
	case kv.OpCreate:
		return types.TransactWriteItem{Put: &types.Put{
			TableName: table, Item: withTTL(k.record(op.Value, 1)),
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}, nil
	case kv.OpSwap:
		return types.TransactWriteItem{Put: &types.Put{
			TableName: table, Item: withTTL(k.record(op.Value, op.Version+1)),
			ConditionExpression:      aws.String("#ver = :v"),
			ExpressionAttributeNames: versionNames, ExpressionAttributeValues: versionIs,
		}}, nil
	case kv.OpPut:
		names := map[string]string{"#ver": AttrVersion, "#val": AttrValue, "#exp": AttrExpiresAt}
		values := map[string]types.AttributeValue{":one": number(1)}
		var set, remove []string
		if len(op.Value) > 0 {
			set, values[":val"] = append(set, "#val = :val"), &types.AttributeValueMemberB{Value: op.Value}
		} else {
			remove = append(remove, "#val")
		}
		if op.ExpiresAt > 0 {
			set, values[":exp"] = append(set, "#exp = :exp"), number(op.ExpiresAt)
		} else {
			remove = append(remove, "#exp")
		}
		expr := "ADD #ver :one"
		if len(set) > 0 {
			expr += " SET " + strings.Join(set, ", ")
		}
		if len(remove) > 0 {
			expr += " REMOVE " + strings.Join(remove, ", ")
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName: table, Key: k.attrs(), UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}}, nil
	}
	del := &types.Delete{TableName: table, Key: k.attrs()}
	if op.Version != 0 {
		del.ConditionExpression = aws.String("#ver = :v")
		del.ExpressionAttributeNames, del.ExpressionAttributeValues = versionNames, versionIs
	}
	return types.TransactWriteItem{Delete: del}, nil
}
