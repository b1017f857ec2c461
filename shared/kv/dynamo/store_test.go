package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
	"github.com/cloudflow-oss/cloudflow/shared/kv/kvtest"
)

// servers are the DynamoDB-compatible servers the tests run against, each
// found through an environment variable that .ci/dynamo-servers prints.
var servers = []struct {
	name, env string
}{
	{"dynalite", "DYNAMODB_ENDPOINT"},
	{"DynamoDBLocal", "DYNAMODB_LOCAL_ENDPOINT"},
}

// forEachServer runs fn as a subtest per server; a server whose endpoint
// variable is unset is skipped with the reason.
func forEachServer(t *testing.T, fn func(t *testing.T, client *dynamodb.Client)) {
	forEachEndpoint(t, func(t *testing.T, endpoint string) { fn(t, dynamo.NewLocalClient(endpoint)) })
}

// forEachEndpoint is forEachServer with the server's endpoint.
func forEachEndpoint(t *testing.T, fn func(t *testing.T, endpoint string)) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			endpoint := os.Getenv(srv.env)
			if endpoint == "" {
				t.Skipf("%s is not set: no %s server to test against (start one with `.ci/dynamo-servers start`)", srv.env, srv.name)
			}
			fn(t, endpoint)
		})
	}
}

var tableSeq atomic.Int64

// newTable creates a fresh table, deleted when the test ends.
func newTable(t testing.TB, client *dynamodb.Client) string {
	t.Helper()
	table := fmt.Sprintf("kvtest-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		t.Fatalf("CreateTable(%q): %v", table, err)
	}
	t.Cleanup(func() {
		_, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Errorf("DeleteTable(%q): %v", table, err)
		}
	})
	return table
}

// openStore returns a Store on a fresh table.
func openStore(t testing.TB, client *dynamodb.Client) *dynamo.Store {
	t.Helper()
	s, err := dynamo.New(client, newTable(t, client))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestStore_Contract(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		kvtest.Run(t, func(t *testing.T) kvtest.Store { return openStore(t, client) })
	})
}

func TestNew_Invalid(t *testing.T) {
	if _, err := dynamo.New(nil, "t"); err == nil {
		t.Error("New(nil client) succeeded, want an error")
	}
	if _, err := dynamo.New(dynamo.NewLocalClient("http://127.0.0.1:1"), ""); err == nil {
		t.Error(`New(client, "") succeeded, want an error`)
	}
}

func TestCreateTable_Existing(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
			t.Fatalf("CreateTable(existing %q) = %v, want nil", table, err)
		}
		out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		var schema []string
		for _, k := range out.Table.KeySchema {
			schema = append(schema, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		if want := []string{"pk:HASH", "sk:RANGE"}; !slices.Equal(schema, want) {
			t.Fatalf("KeySchema = %q, want %q", schema, want)
		}
	})
}

// TestStore_KeyMapping reads the raw items behind a few keys: the partition
// is the first two segments (or "#"), the sort key the whole key, with bytes
// above 0x7F escaped as runes U+0080-U+00FF.
func TestStore_KeyMapping(t *testing.T) {
	tests := []struct {
		key, pk, sk string
	}{
		{"flow/1234/myflow", "flow/1234/", "flow/1234/myflow"},
		{"exec/1234/flow-1/run-1", "exec/1234/", "exec/1234/flow-1/run-1"},
		{"exec/", "#", "exec/"},
		{"counter", "#", "counter"},
		{"a/\xff/b\xc3", "a/\u00ff/", "a/\u00ff/b\u00c3"},
	}
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		s, err := dynamo.New(client, table)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx := context.Background()
		for _, tc := range tests {
			if _, err := s.PutIfAbsent(ctx, tc.key, []byte("v")); err != nil {
				t.Fatalf("PutIfAbsent(%q): %v", tc.key, err)
			}
		}
		out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
		got := map[string]string{}
		for _, m := range out.Items {
			got[m["sk"].(*types.AttributeValueMemberS).Value] = m["pk"].(*types.AttributeValueMemberS).Value
			if v, ok := m["ver"].(*types.AttributeValueMemberN); !ok || v.Value != "1" {
				t.Errorf("item %q: ver = %v, want Number 1", m["sk"], m["ver"])
			}
		}
		if len(got) != len(tests) {
			t.Fatalf("table holds %d items, want %d", len(got), len(tests))
		}
		for _, tc := range tests {
			if pk, ok := got[tc.sk]; !ok || pk != tc.pk {
				t.Errorf("key %q: stored as (pk %q, present %v), want pk %q, sk %q", tc.key, pk, ok, tc.pk, tc.sk)
			}
		}
	})
}

// listAll pages through List(prefix, …) with page size limit.
func listAll(t *testing.T, s *dynamo.Store, prefix string, limit int) []string {
	t.Helper()
	var keys []string
	after := ""
	for {
		items, err := s.List(context.Background(), prefix, after, limit)
		if err != nil {
			t.Fatalf("List(%q, %q, %d): %v", prefix, after, limit, err)
		}
		for _, it := range items {
			keys = append(keys, it.Key)
		}
		if limit <= 0 || len(items) < limit {
			return keys
		}
		after = items[len(items)-1].Key
	}
}

// TestStore_List_Paging lists a partition bigger than DynamoDB's 1 MB page,
// next to neighbouring partitions and flows, through the Query path (prefix
// with two slashes and more) and the Scan path (fewer).
func TestStore_List_Paging(t *testing.T) {
	const (
		n         = 130       // executions of the listed flow
		valueSize = 10 * 1024 // 130 × 10 KiB > 1 MB: several pages
	)
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		s, err := dynamo.New(client, table)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		var want, neighbours []string
		for i := range n {
			want = append(want, fmt.Sprintf("exec/acct/flow-b/run-%03d", i))
		}
		neighbours = []string{
			"exec/acct/flow-a/run-999", "exec/acct/flow-b", "exec/acct/flow-c/run-000",
			"exec/acct/flow-bb/run-000", "exec/acct2/flow-b/run-000", "exec/ac/flow-b/run-000", "flow/acct/flow-b",
		}
		putAll(t, s, append(slices.Clone(want), neighbours...), valueSize)
		all := append(slices.Clone(want), neighbours...)
		slices.Sort(all)
		// The partition really spans pages: DynamoDB stops a page at 1 MB.
		first, err := client.Query(context.Background(), &dynamodb.QueryInput{
			TableName:                 aws.String(table),
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "exec/acct/"}},
		})
		if err != nil || len(first.LastEvaluatedKey) == 0 || len(first.Items) >= n {
			t.Fatalf("raw Query of the partition = %d items, more pages %v, %v; want a first page cut at 1 MB",
				len(first.Items), first != nil && len(first.LastEvaluatedKey) > 0, err)
		}

		tests := []struct {
			name   string
			prefix string
			limit  int
			want   []string
		}{
			{"query, one call", "exec/acct/flow-b/", 0, want},
			{"query, pages of 7", "exec/acct/flow-b/", 7, want},
			{"query, pages of 1000", "exec/acct/flow-b/", 1000, want},
			{"query, narrower prefix", "exec/acct/flow-b/run-01", 0, want[10:20]},
			{"query, whole account", "exec/acct/", 0, filter(all, "exec/acct/")},
			{"scan, every execution", "exec/", 0, filter(all, "exec/")},
			{"scan, pages of 50", "exec/", 50, filter(all, "exec/")},
			{"scan, everything", "", 0, all},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := listAll(t, s, tc.prefix, tc.limit); !slices.Equal(got, tc.want) {
					t.Fatalf("List(%q) pages of %d = %d keys %q…, want %d keys %q…",
						tc.prefix, tc.limit, len(got), head(got), len(tc.want), head(tc.want))
				}
			})
		}
		// after inside the range, after equal to a key, after past the prefix.
		items, err := s.List(context.Background(), "exec/acct/flow-b/", "exec/acct/flow-b/run-127", 0)
		if err != nil || len(items) != 2 || items[0].Key != want[128] || len(items[0].Value) != valueSize || items[0].Version != 1 {
			t.Fatalf("List(after run-127) = %d items, %v; want run-128 and run-129 with %d-byte values", len(items), err, valueSize)
		}
		if items, err := s.List(context.Background(), "exec/acct/flow-b/", "exec/acct/flow-c", 0); err != nil || len(items) != 0 {
			t.Fatalf("List(after past prefix) = %d items, %v; want none", len(items), err)
		}
	})
}

func filter(keys []string, prefix string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

func head(keys []string) []string { return keys[:min(len(keys), 3)] }

// putAll creates keys with values of size bytes, 8 at a time.
func putAll(t *testing.T, s *dynamo.Store, keys []string, size int) {
	t.Helper()
	value := []byte(strings.Repeat("x", size))
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	sem := make(chan struct{}, 8)
	for _, k := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := s.PutIfAbsent(context.Background(), k, value); err != nil {
				errs <- fmt.Errorf("PutIfAbsent(%q): %w", k, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestStore_CloseKeepsTable checks that Close only affects the closed Store:
// another Store on the same table still sees the data.
func TestStore_CloseKeepsTable(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		a, _ := dynamo.New(client, table)
		b, _ := dynamo.New(client, table)
		if _, err := a.PutIfAbsent(context.Background(), "k", []byte("v")); err != nil {
			t.Fatalf("PutIfAbsent: %v", err)
		}
		_ = a.Close()
		if _, err := a.Get(context.Background(), "k"); err != kv.ErrClosed {
			t.Fatalf("closed Get error = %v, want %v", err, kv.ErrClosed)
		}
		it, err := b.Get(context.Background(), "k")
		if err != nil || string(it.Value) != "v" || it.Version != 1 {
			t.Fatalf("other store Get = %+v, %v; want {k v 1}", it, err)
		}
	})
}

// TestStore_ValueSize stores the largest value that fits beside a long key
// (the server accepts it, so the limit is not too generous) and rejects one
// byte more before sending anything.
func TestStore_ValueSize(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		s := openStore(t, client)
		ctx := context.Background()
		key := "exec/" + strings.Repeat("a", 300) + "/" + strings.Repeat("f", 300) + "/run"
		limit := dynamo.MaxValueSize(key)
		// The key is stored twice: whole in sk, its first 307 bytes in pk.
		if most := dynamo.MaxItemSize - len(key) - 307; limit <= 0 || limit > most {
			t.Fatalf("MaxValueSize(%d-byte key) = %d, want positive and at most %d", len(key), limit, most)
		}
		big := make([]byte, limit+1)
		if _, err := s.PutIfAbsent(ctx, key, big); !errors.Is(err, dynamo.ErrValueTooLarge) {
			t.Fatalf("PutIfAbsent(%d bytes) error = %v, want %v", len(big), err, dynamo.ErrValueTooLarge)
		}
		it, err := s.PutIfAbsent(ctx, key, big[:limit])
		if err != nil {
			t.Fatalf("PutIfAbsent(%d bytes, the limit): %v", limit, err)
		}
		if _, err := s.CompareAndSwap(ctx, key, it.Version, big); !errors.Is(err, dynamo.ErrValueTooLarge) {
			t.Fatalf("CompareAndSwap(%d bytes) error = %v, want %v", len(big), err, dynamo.ErrValueTooLarge)
		}
		if _, err := s.CompareAndSwap(ctx, key, 1, big[:limit]); err != nil {
			t.Fatalf("CompareAndSwap(%d bytes, the limit): %v", limit, err)
		}
		got, err := s.Get(ctx, key)
		if err != nil || len(got.Value) != limit || got.Version != 2 {
			t.Fatalf("Get = %d bytes v%d, %v; want %d bytes v2", len(got.Value), got.Version, err, limit)
		}
	})
}

// TestStore_List_QueryRandom compares List with a sorted model for prefixes
// that fix a partition, so the Query path (sort-key ranges over escaped
// bytes) is checked the way kvtest's List_Random checks the Scan path.
func TestStore_List_QueryRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		s := openStore(t, client)
		rng := rand.New(rand.NewPCG(seed, 3))
		word := func(n int) string {
			var b strings.Builder
			for n = rng.IntN(n + 1); n > 0; n-- {
				b.WriteByte("ab/\xff\x7f"[rng.IntN(5)])
			}
			return b.String()
		}
		model := map[string]bool{}
		for range 80 {
			// Mostly in partition "p/q/", some in neighbouring partitions.
			k := []string{"p/q/", "p/q/", "p/q/", "p/qa/", "p/\xff/", "p/"}[rng.IntN(6)] + word(4)
			model[k] = true
		}
		var keys []string
		for k := range model {
			keys = append(keys, k)
		}
		putAll(t, s, keys, 3)
		slices.Sort(keys)
		nonEmpty := 0
		for range 150 {
			prefix := "p/q/" + word(2)
			after := []string{"", prefix + word(3), "p/q/" + word(3), "p/" + word(3)}[rng.IntN(4)]
			limit := rng.IntN(6) - 1
			var want []string
			for _, k := range keys {
				if strings.HasPrefix(k, prefix) && k > after && (limit <= 0 || len(want) < limit) {
					want = append(want, k)
				}
			}
			items, err := s.List(context.Background(), prefix, after, limit)
			if err != nil {
				t.Fatalf("seed %d: List(%q, %q, %d): %v", seed, prefix, after, limit, err)
			}
			var got []string
			for _, it := range items {
				got = append(got, it.Key)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d: List(%q, %q, %d) = %q, want %q", seed, prefix, after, limit, got, want)
			}
			if len(want) > 0 {
				nonEmpty++
			}
		}
		if nonEmpty < 30 {
			t.Fatalf("seed %d: only %d of 150 queries expected items; the test would prove little", seed, nonEmpty)
		}
		t.Logf("%d of 150 queries returned items", nonEmpty)
	})
}

func TestStore_CompareAndSwapExpiring_WritesTTL(t *testing.T) {
	forEachServer(t, func(t *testing.T, client *dynamodb.Client) {
		table := newTable(t, client)
		s, err := dynamo.New(client, table)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx := context.Background()
		const key = "exec/acct/flow-1/run-1"
		it, err := s.PutIfAbsent(ctx, key, []byte("running"))
		if err != nil {
			t.Fatal(err)
		}
		ttl := func() (string, bool) {
			t.Helper()
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
				TableName:      aws.String(table),
				Key:            map[string]types.AttributeValue{dynamo.AttrPartitionKey: &types.AttributeValueMemberS{Value: "exec/acct/"}, dynamo.AttrSortKey: &types.AttributeValueMemberS{Value: key}},
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				t.Fatalf("GetItem: %v", err)
			}
			n, ok := out.Item[dynamo.AttrExpiresAt].(*types.AttributeValueMemberN)
			if !ok {
				return "", false
			}
			return n.Value, true
		}
		if v, ok := ttl(); ok {
			t.Fatalf("after PutIfAbsent %s = %s, want none", dynamo.AttrExpiresAt, v)
		}
		it, err = s.CompareAndSwapExpiring(ctx, key, it.Version, []byte("done"), 1767225600)
		if err != nil || it.Version != 2 {
			t.Fatalf("CompareAndSwapExpiring = %+v, %v, want version 2", it, err)
		}
		if v, ok := ttl(); !ok || v != "1767225600" {
			t.Fatalf("after CompareAndSwapExpiring %s = %q, %v, want 1767225600", dynamo.AttrExpiresAt, v, ok)
		}
		got, err := s.Get(ctx, key)
		if err != nil || string(got.Value) != "done" || got.Version != 2 {
			t.Fatalf("Get = %+v, %v, want done at version 2", got, err)
		}
		if _, err := s.CompareAndSwapExpiring(ctx, key, 1, []byte("stale"), 1); !errors.Is(err, kv.ErrConditionFailed) {
			t.Fatalf("CompareAndSwapExpiring(stale version) = %v, want %v", err, kv.ErrConditionFailed)
		}
	})
}
