package dynamo_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestStore_GetMany_Requests: GetMany sends one BatchGetItem per 100 keys,
// and sends the keys a response leaves unprocessed again. dynalite answers
// at most about 1 MB per response (DynamoDB: 16 MB), so 12 items of 300 KiB
// take several rounds there; every item still comes back once, in the
// order asked for.
func TestStore_GetMany_Requests(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_ENDPOINT is not set: no dynalite (start one with `.ci/dynamo-servers start`)")
	}
	s, proxy, _, _ := lossyStore(t, endpoint)
	const big = 12 // items of 300 KiB; dynalite answers about 4 of them at a time
	ctx := context.Background()
	var keys []string
	for i := range 150 {
		key := fmt.Sprintf("exec/a/f/%03d", i)
		keys = append(keys, key)
		val := []byte(key)
		if i < big {
			val = []byte(strings.Repeat("x", 300<<10))
		}
		if _, err := s.PutIfAbsent(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}

	calls := proxy.Calls("BatchGetItem")
	items, err := s.GetMany(ctx, keys[big:])
	if err != nil || len(items) != 150-big {
		t.Fatalf("GetMany(138 small items) = %d items, %v; want 138", len(items), err)
	}
	if n := proxy.Calls("BatchGetItem") - calls; n != 2 {
		t.Errorf("GetMany(138 small items) sent %d BatchGetItem requests, want 2 (100 keys each at most)", n)
	}

	calls = proxy.Calls("BatchGetItem")
	items, err = s.GetMany(ctx, keys[:big])
	if err != nil || len(items) != big {
		t.Fatalf("GetMany(12 items of 300 KiB) = %d items, %v; want 12", len(items), err)
	}
	for i, it := range items {
		if it.Key != keys[i] || len(it.Value) != 300<<10 {
			t.Fatalf("GetMany(12 items of 300 KiB)[%d] = %q (%d bytes), want %q (%d bytes)", i, it.Key, len(it.Value), keys[i], 300<<10)
		}
	}
	if n := proxy.Calls("BatchGetItem") - calls; n < 3 {
		t.Errorf("GetMany(12 items of 300 KiB) sent %d BatchGetItem requests, want at least 3 (about 1.4 MB per dynalite response)", n)
	}
}
