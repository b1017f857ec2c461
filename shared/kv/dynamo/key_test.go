package dynamo

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestPartitionOf(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"flow key", "flow/1234/myflow", "flow/1234/"},
		{"execution key", "exec/1234/flow-id/run-1", "exec/1234/"},
		{"flow prefix", "flow/1234/", "flow/1234/"},
		{"execution prefix", "exec/1234/flow-id/", "exec/1234/"},
		{"one slash", "exec/", RootPartition},
		{"no slash", "counter", RootPartition},
		{"empty", "", RootPartition},
		{"empty segments", "//x", "//"},
		{"slash first", "/a/b", "/a/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := partitionOf(tc.key); got != tc.want {
				t.Fatalf("partitionOf(%q) = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func TestQueryable(t *testing.T) {
	tests := []struct {
		prefix string
		want   bool
	}{
		{"flow/1234/", true},             // ListFlows
		{"exec/1234/flow-id/", true},     // ListExecutions
		{"exec/1234/flow-id/run-", true}, // a narrower prefix in the same partition
		{"exec/", false},                 // the sweeper: every execution
		{"", false},
		{"a/b", false},
	}
	for _, tc := range tests {
		if got := queryable(tc.prefix); got != tc.want {
			t.Errorf("queryable(%q) = %v, want %v", tc.prefix, got, tc.want)
		}
	}
}

func TestKeyOf(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		want    itemKey
		wantErr error
	}{
		{"execution", "exec/1234/f/run-1", itemKey{pk: "exec/1234/", sk: "exec/1234/f/run-1"}, nil},
		{"root", "counter", itemKey{pk: RootPartition, sk: "counter"}, nil},
		{"escaped partition", "\xff/\xfe/x", itemKey{pk: "\u00ff/\u00fe/", sk: "\u00ff/\u00fe/x"}, nil},
		{"longest ascii", strings.Repeat("m", kv.MaxKeySize), itemKey{pk: RootPartition, sk: strings.Repeat("m", kv.MaxKeySize)}, nil},
		{"empty", "", itemKey{}, kv.ErrInvalidKey},
		{"too long", strings.Repeat("m", kv.MaxKeySize+1), itemKey{}, kv.ErrInvalidKey},
		// 600 high bytes are 600 key bytes but 1200 sort-key bytes.
		{"too long encoded", strings.Repeat("\xff", 600), itemKey{}, kv.ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keyOf(tc.key)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("keyOf(%.20q…) = %+v, %v; want %+v, %v", tc.key, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestDecodeItem(t *testing.T) {
	good := func() map[string]types.AttributeValue {
		return itemKey{pk: "#", sk: "k\u00ff"}.record([]byte("v"), 7)
	}
	it, err := decodeItem(good())
	if err != nil || it.Key != "k\xff" || string(it.Value) != "v" || it.Version != 7 {
		t.Fatalf("decodeItem(good) = %+v, %v; want {k\\xff v 7}", it, err)
	}
	empty := itemKey{pk: "#", sk: "k"}.record(nil, 1)
	if _, ok := empty[AttrValue]; ok {
		t.Fatalf("record(nil) stores %s, want it absent", AttrValue)
	}
	it, err = decodeItem(empty)
	if err != nil || it.Value == nil || len(it.Value) != 0 {
		t.Fatalf("decodeItem(empty value) = %#v, %v; want an empty non-nil value", it.Value, err)
	}
	broken := []struct {
		name   string
		mutate func(m map[string]types.AttributeValue)
	}{
		{"no sort key", func(m map[string]types.AttributeValue) { delete(m, AttrSortKey) }},
		{"sort key not decodable", func(m map[string]types.AttributeValue) {
			m[AttrSortKey] = &types.AttributeValueMemberS{Value: "\u20ac"}
		}},
		{"no version", func(m map[string]types.AttributeValue) { delete(m, AttrVersion) }},
		{"version not integral", func(m map[string]types.AttributeValue) {
			m[AttrVersion] = &types.AttributeValueMemberN{Value: "1.5"}
		}},
		{"value not binary", func(m map[string]types.AttributeValue) {
			m[AttrValue] = &types.AttributeValueMemberS{Value: "v"}
		}},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			m := good()
			tc.mutate(m)
			if it, err := decodeItem(m); err == nil {
				t.Fatalf("decodeItem = %+v, want an error", it)
			}
		})
	}
}

func TestConditionFailed(t *testing.T) {
	old := itemKey{pk: "#", sk: "k"}.record([]byte("v"), 2)
	wrapped := errors.Join(errors.New("operation error DynamoDB: PutItem"),
		&types.ConditionalCheckFailedException{Item: old})
	if item, ok := conditionFailed(wrapped); !ok || len(item) != len(old) {
		t.Fatalf("conditionFailed(wrapped CCF) = %v, %v; want the old item, true", item, ok)
	}
	if _, ok := conditionFailed(&types.ResourceNotFoundException{}); ok {
		t.Fatal("conditionFailed(ResourceNotFoundException) = true, want false")
	}
}
