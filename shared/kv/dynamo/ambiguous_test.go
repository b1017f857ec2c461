package dynamo_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo/dynamotest"
)

// lossyStore returns a Store on a fresh table of the server at endpoint
// through a dynamotest.Proxy, the proxy, a client of the server itself and
// the table.
func lossyStore(t *testing.T, endpoint string) (*dynamo.Store, *dynamotest.Proxy, *dynamodb.Client, string) {
	t.Helper()
	direct := dynamo.NewLocalClient(endpoint)
	table := newTable(t, direct)
	proxy := dynamotest.NewProxy(t, endpoint)
	s, err := dynamo.New(dynamo.NewLocalClient(proxy.URL), table)
	if err != nil {
		t.Fatal(err)
	}
	return s, proxy, direct, table
}

// TestStore_RetriedWriteThatLanded: a conditional write whose first
// attempt was applied but answered 500 is sent again by the SDK, and that
// retry's condition fails against the write itself. The store must report
// the write as done (it is: the item holds it), not as lost to another
// writer: a caller told kv.ErrConditionFailed would read its own write back
// and apply its change a second time (a history step appended twice), and
// StartExecution would answer ExecutionAlreadyExists for a new execution.
func TestStore_RetriedWriteThatLanded(t *testing.T) {
	forEachEndpoint(t, func(t *testing.T, endpoint string) {
		s, proxy, direct, table := lossyStore(t, endpoint)
		ctx := context.Background()

		proxy.LoseNext("PutItem")
		it, err := s.PutIfAbsent(ctx, "exec/acct/f/x1", []byte("v1"))
		if err != nil || it.Version != 1 || string(it.Value) != "v1" {
			t.Fatalf("PutIfAbsent with its answer lost = %+v, %v; want version 1 written", it, err)
		}
		proxy.LoseNext("PutItem")
		it, err = s.CompareAndSwap(ctx, "exec/acct/f/x1", 1, []byte("v2"))
		if err != nil || it.Version != 2 || string(it.Value) != "v2" {
			t.Fatalf("CompareAndSwap with its answer lost = %+v, %v; want version 2 written", it, err)
		}
		proxy.LoseNext("PutItem")
		it, err = s.CompareAndSwapExpiring(ctx, "exec/acct/f/x1", 2, []byte("v3"), 2000000000)
		if err != nil || it.Version != 3 {
			t.Fatalf("CompareAndSwapExpiring with its answer lost = %+v, %v; want version 3 written", it, err)
		}
		if lost := proxy.Lost(); lost != 3 {
			t.Fatalf("the proxy lost %d answers, want 3 (did the SDK not retry?)", lost)
		}

		// Real conflicts still lose, with the current item: another
		// store (another process) wrote meanwhile.
		other, err := dynamo.New(direct, table)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.CompareAndSwap(ctx, "exec/acct/f/x1", 3, []byte("theirs")); err != nil {
			t.Fatal(err)
		}
		proxy.LoseNext("PutItem")
		cur, err := s.CompareAndSwap(ctx, "exec/acct/f/x1", 3, []byte("mine"))
		if !errors.Is(err, kv.ErrConditionFailed) || cur.Version != 4 || string(cur.Value) != "theirs" {
			t.Fatalf("CompareAndSwap over another store's write = %+v, %v; want ErrConditionFailed with version 4 %q", cur, err, "theirs")
		}
		if _, err := other.PutIfAbsent(ctx, "exec/acct/f/x2", []byte("theirs")); err != nil {
			t.Fatal(err)
		}
		cur, err = s.PutIfAbsent(ctx, "exec/acct/f/x2", []byte("mine"))
		if !errors.Is(err, kv.ErrConditionFailed) || string(cur.Value) != "theirs" {
			t.Fatalf("PutIfAbsent over another store's item = %+v, %v; want ErrConditionFailed with %q", cur, err, "theirs")
		}
		// Same bytes written by another store still lose: the write is
		// told from its own retry by more than its value.
		if _, err := other.PutIfAbsent(ctx, "exec/acct/f/x3", []byte("same")); err != nil {
			t.Fatal(err)
		}
		if cur, err := s.PutIfAbsent(ctx, "exec/acct/f/x3", []byte("same")); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("PutIfAbsent of the same value over another store's item = %+v, %v; want ErrConditionFailed", cur, err)
		}
	})
}

// TestStore_IncrementsFromSeveralStores races kv.Update increments from
// several Stores, each with its own client (as several processes on one
// table), and finds none lost.
func TestStore_IncrementsFromSeveralStores(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		const stores, each = 4, 25
		endpoint := client.Options().BaseEndpoint
		var wg sync.WaitGroup
		errs := make(chan error, stores*each)
		for range stores {
			s, err := dynamo.New(dynamo.NewLocalClient(*endpoint), table)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				for range each {
					_, err := s.Update(context.Background(), "counter", func(cur kv.Item, exists bool) ([]byte, error) {
						n := 0
						if exists {
							n, _ = strconv.Atoi(string(cur.Value))
						}
						return []byte(strconv.Itoa(n + 1)), nil
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Update: %v", err)
		}
		s, _ := dynamo.New(client, table)
		it, err := s.Get(context.Background(), "counter")
		if err != nil || string(it.Value) != strconv.Itoa(stores*each) || it.Version != stores*each {
			t.Fatalf("counter = %+v, %v; want %d at version %d", it, err, stores*each, stores*each)
		}
	})
}

// TestStore_RetriedApplyThatLanded is TestStore_RetriedWriteThatLanded for
// Apply: TransactWriteItems carries an idempotency token the SDK fills in,
// so its retry is answered as the transaction it repeats.
func TestStore_RetriedApplyThatLanded(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_LOCAL_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_LOCAL_ENDPOINT is not set: no DynamoDB Local (dynalite has no transactions; start one with `.ci/dynamo-servers start`)")
	}
	s, proxy, _, _ := lossyStore(t, endpoint)
	ctx := context.Background()
	proxy.LoseNext("TransactWriteItems")
	if err := s.Apply(ctx, []kv.Op{{Kind: kv.OpCreate, Key: "exec/a/f/x", Value: []byte("v1")}, {Kind: kv.OpPut, Key: "idx/a/f/x", Value: []byte("i1")}}); err != nil {
		t.Fatalf("Apply with its answer lost = %v, want nil", err)
	}
	proxy.LoseNext("TransactWriteItems")
	if err := s.Apply(ctx, []kv.Op{{Kind: kv.OpSwap, Key: "exec/a/f/x", Version: 1, Value: []byte("v2")}, {Kind: kv.OpPut, Key: "idx/a/f/x", Value: []byte("i2")}}); err != nil {
		t.Fatalf("Apply(swap) with its answer lost = %v, want nil", err)
	}
	if lost := proxy.Lost(); lost != 2 {
		t.Fatalf("the proxy lost %d answers, want 2", lost)
	}
	for key, want := range map[string]string{"exec/a/f/x": "v2", "idx/a/f/x": "i2"} {
		if it, err := s.Get(ctx, key); err != nil || string(it.Value) != want || it.Version != 2 {
			t.Errorf("Get(%s) = %+v, %v; want %q at version 2", key, it, err, want)
		}
	}
}
