package dynamo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// maxBatchGet is the most keys one BatchGetItem request takes.
const maxBatchGet = 100

// Backoff between BatchGetItem rounds that left keys unprocessed (the
// response passed 16 MB, or the table throttled the reads): jittered, from
// batchBackoffBase doubling up to batchBackoffMax. A round that reads
// nothing at all counts towards maxRounds; one that makes progress does not.
const (
	batchBackoffBase = 20 * time.Millisecond
	batchBackoffMax  = time.Second
)

// GetMany returns the items stored under keys, in the order of keys,
// leaving out the keys that have none. It sends one strongly consistent
// BatchGetItem per 100 distinct keys and sends the keys DynamoDB leaves
// unprocessed (a response over 16 MB, throttling) again after a jittered
// backoff, giving up after maxRounds rounds in a row that read nothing;
// an answer cut short (io.ErrUnexpectedEOF) counts as such a round.
// Items are not read as one snapshot: each is as consistent as a Get.
// It returns kv.ErrInvalidKey for a bad key, kv.ErrClosed after Close, the
// context's error or a DynamoDB error.
func (s *Store) GetMany(ctx context.Context, keys []string) ([]kv.Item, error) {
	found := make(map[string]kv.Item, len(keys))
	var batch []map[string]types.AttributeValue
	seen := make(map[string]bool, len(keys))
	for _, key := range keys {
		k, err := s.begin(ctx, key)
		if err != nil {
			return nil, err
		}
		if seen[key] {
			continue // BatchGetItem refuses a key named twice
		}
		seen[key] = true
		batch = append(batch, k.attrs())
		if len(batch) == maxBatchGet {
			if err := s.batchGet(ctx, batch, found); err != nil {
				return nil, err
			}
			batch = nil
		}
	}
	if len(batch) > 0 {
		if err := s.batchGet(ctx, batch, found); err != nil {
			return nil, err
		}
	}
	out := make([]kv.Item, 0, len(found))
	for _, key := range keys {
		if it, ok := found[key]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// batchGet reads the items of up to maxBatchGet keys into found, by key.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, found map[string]kv.Item) error {
	idle := 0 // rounds in a row that read nothing
	for round := 0; len(keys) > 0; round++ {
		out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
			},
		})
		if errors.Is(err, io.ErrUnexpectedEOF) && idle+1 < maxRounds {
			// The answer was cut short (the SDK does not retry that): a
			// read, so ask again.
			idle++
			if err := kv.Backoff(ctx, round, batchBackoffBase, batchBackoffMax); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("dynamo: batch get of %d keys: %w", len(keys), err)
		}
		for _, m := range out.Responses[s.table] {
			it, err := decodeItem(m)
			if err != nil {
				return err
			}
			found[it.Key] = it
		}
		if len(out.Responses[s.table]) == 0 {
			idle++
		} else {
			idle = 0
		}
		keys = out.UnprocessedKeys[s.table].Keys
		if len(keys) == 0 {
			return nil
		}
		if idle == maxRounds {
			return fmt.Errorf("dynamo: batch get: %d keys still unprocessed after %d rounds", len(keys), round+1)
		}
		if err := kv.Backoff(ctx, round, batchBackoffBase, batchBackoffMax); err != nil {
			return err
		}
	}
	return nil
}
