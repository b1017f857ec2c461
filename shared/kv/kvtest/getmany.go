package kvtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// GetManyKeys is how many keys GetMany_Batches asks for: more than two
// DynamoDB BatchGetItem requests take.
const GetManyKeys = 250

// testGetManyCases checks order, absent keys, a key named twice, versions
// and the empty call.
func testGetManyCases(t *testing.T, s Store) {
	ctx := context.Background()
	mustPut(t, s, "a", "va")
	mustPut(t, s, "b", "vb")
	if _, err := s.CompareAndSwap(ctx, "b", 1, []byte("vb2")); err != nil {
		t.Fatalf("CompareAndSwap(b): %v", err)
	}
	mustPut(t, s, "c", "vc")
	tests := []struct {
		name string
		keys []string
		want []string // "key=value@version"
	}{
		{name: "none", keys: nil, want: nil},
		{name: "all, reversed", keys: []string{"c", "b", "a"}, want: []string{"c=vc@1", "b=vb2@2", "a=va@1"}},
		{name: "missing left out", keys: []string{"x", "a", "y", "c"}, want: []string{"a=va@1", "c=vc@1"}},
		{name: "only missing", keys: []string{"x", "y"}, want: nil},
		{name: "named twice", keys: []string{"a", "b", "a"}, want: []string{"a=va@1", "b=vb2@2", "a=va@1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := s.GetMany(ctx, tc.keys)
			if err != nil {
				t.Fatalf("GetMany(%q): %v", tc.keys, err)
			}
			if got := described(items); !slices.Equal(got, tc.want) {
				t.Fatalf("GetMany(%q) = %q, want %q", tc.keys, got, tc.want)
			}
		})
	}
	wantErr(t, "GetMany(with an empty key)", errOf(s.GetMany(ctx, []string{"a", ""})), kv.ErrInvalidKey)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	wantErr(t, "GetMany(canceled)", errOf(s.GetMany(cctx, []string{"a"})), context.Canceled)
}

// testGetManyBatches reads GetManyKeys keys, every third one absent, and
// values large enough that dynalite's 1 MB response limit leaves keys
// unprocessed.
func testGetManyBatches(t *testing.T, s Store) {
	ctx := context.Background()
	var keys, want []string
	for i := range GetManyKeys {
		key := fmt.Sprintf("k/%04d", GetManyKeys-i) // asked for in descending order
		keys = append(keys, key)
		if i%3 == 2 {
			continue
		}
		val := fmt.Sprintf("v%d", i)
		if i < 12 {
			val += strings.Repeat("x", 300<<10) // 12 × 300 KiB: several responses
		}
		mustPut(t, s, key, val)
		want = append(want, fmt.Sprintf("%s=%s@1", key, short(val)))
	}
	items, err := s.GetMany(ctx, keys)
	if err != nil {
		t.Fatalf("GetMany(%d keys): %v", len(keys), err)
	}
	if got := described(items); !slices.Equal(got, want) {
		t.Fatalf("GetMany(%d keys) = %d items %q…, want %d %q…", len(keys), len(got), head(got), len(want), head(want))
	}
}

// described returns items as "key=value@version", long values shortened.
func described(items []kv.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s=%s@%d", it.Key, short(string(it.Value)), it.Version))
	}
	return out
}

// short shortens a long value to its length and first bytes.
func short(v string) string {
	if len(v) <= 16 {
		return v
	}
	return fmt.Sprintf("%s…(%d bytes)", v[:8], len(v))
}

func head(s []string) []string { return s[:min(len(s), 4)] }

func errOf(_ []kv.Item, err error) error { return err }
