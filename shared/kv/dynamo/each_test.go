package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// TestStore_Each: Each visits every item under a prefix once. A prefix
// spanning partitions ("exec/", the sweep's) is one pass of Scan requests
// however many items match, where paging through List scans the table once
// per page; a prefix within one partition is read in key order with Query,
// no Scan. fn's error stops Each.
func TestStore_Each(t *testing.T) {
	forEachEndpoint(t, func(t *testing.T, endpoint string) {
		s, proxy, _, _ := lossyStore(t, endpoint)
		ctx := context.Background()
		const perAccount = 700 // 1,400 executions: List pages of 500 would scan 3 times
		var want []string
		for _, acct := range []string{"a", "b"} {
			for i := range perAccount {
				key := fmt.Sprintf("exec/%s/f/%04d", acct, i)
				want = append(want, key)
				if _, err := s.PutIfAbsent(ctx, key, []byte("v")); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, key := range []string{"flow/a/f", "exe", "exec", "hist/a/f/x/1"} {
			if _, err := s.PutIfAbsent(ctx, key, []byte("other")); err != nil {
				t.Fatal(err)
			}
		}

		scans := proxy.Calls("Scan")
		var got []string
		if err := s.Each(ctx, "exec/", func(it kv.Item) error { got = append(got, it.Key); return nil }); err != nil {
			t.Fatalf("Each(exec/) = %v", err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("Each(exec/) visited %d keys, want the %d exec/ keys once each", len(got), len(want))
		}
		if n := proxy.Calls("Scan") - scans; n != 1 {
			t.Errorf("Each(exec/) sent %d Scan requests, want 1 (1,400 small items fit one page)", n)
		}

		scans, queries := proxy.Calls("Scan"), proxy.Calls("Query")
		got = got[:0]
		if err := s.Each(ctx, "exec/b/", func(it kv.Item) error { got = append(got, it.Key); return nil }); err != nil {
			t.Fatalf("Each(exec/b/) = %v", err)
		}
		if !slices.Equal(got, want[perAccount:]) {
			t.Errorf("Each(exec/b/) visited %d keys (in order: %v), want account b's %d in key order", len(got), slices.IsSorted(got), perAccount)
		}
		if proxy.Calls("Scan") != scans || proxy.Calls("Query") == queries {
			t.Errorf("Each(exec/b/) sent %d Scan and %d Query requests, want Queries only", proxy.Calls("Scan")-scans, proxy.Calls("Query")-queries)
		}

		stop := errors.New("stop")
		n := 0
		if err := s.Each(ctx, "exec/", func(kv.Item) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("Each with fn failing = %v after %d calls, want fn's error after 1", err, n)
		}
		closed, _ := dynamo.New(dynamo.NewLocalClient(endpoint), "no-such-table")
		_ = closed.Close()
		if err := closed.Each(ctx, "exec/", func(kv.Item) error { return nil }); !errors.Is(err, kv.ErrClosed) {
			t.Errorf("Each after Close = %v, want kv.ErrClosed", err)
		}
	})
}
