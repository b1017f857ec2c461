package tablestore

import (
	"errors"
	"strings"
	"testing"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestKeyOf(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		want    string
		wantErr error
	}{
		{"ascii", "flow/1234/f", "flow/1234/f", nil},
		{"high byte", "a\xff", "a\u00ff", nil},
		{"longest", strings.Repeat("m", kv.MaxKeySize), strings.Repeat("m", kv.MaxKeySize), nil},
		{"empty", "", "", kv.ErrInvalidKey},
		{"too long", strings.Repeat("m", kv.MaxKeySize+1), "", kv.ErrInvalidKey},
		{"too long encoded", strings.Repeat("\xff", 513), "", kv.ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keyOf(tc.key)
			if !errors.Is(err, tc.wantErr) || got != tc.want {
				t.Fatalf("keyOf(%.20q…) = %.20q, %v; want %.20q, %v", tc.key, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// bound describes one GetRange bound for comparison.
func bound(pk *ots.PrimaryKey) string {
	if len(pk.PrimaryKeys) != 1 || pk.PrimaryKeys[0].ColumnName != ColumnKey {
		return "malformed"
	}
	c := pk.PrimaryKeys[0]
	switch c.PrimaryKeyOption {
	case ots.MIN:
		return "INF_MIN"
	case ots.MAX:
		return "INF_MAX"
	}
	return c.Value.(string)
}

func TestRangeOf(t *testing.T) {
	tests := []struct {
		name, prefix, after string
		start, end          string
	}{
		{"everything", "", "", "INF_MIN", "INF_MAX"},
		{"after only", "", "k", "k", "INF_MAX"},
		{"executions of a flow", "exec/1/f/", "", "exec/1/f/", "exec/1/f/\u0100"},
		{"next page", "exec/1/f/", "exec/1/f/run-9", "exec/1/f/run-9", "exec/1/f/\u0100"},
		{"after before prefix", "flow/1/", "a", "flow/1/", "flow/1/\u0100"},
		{"escaped prefix", "\xff/", "", "\u00ff/", "\u00ff/\u0100"},
		{"prefix at the size limit", strings.Repeat("p", MaxKeyColumnSize), "", strings.Repeat("p", MaxKeyColumnSize), "INF_MAX"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, end := rangeOf(tc.prefix, tc.after)
			if got := bound(start); got != tc.start {
				t.Errorf("rangeOf(%.20q, %q) start = %.30q, want %.30q", tc.prefix, tc.after, got, tc.start)
			}
			if got := bound(end); got != tc.end {
				t.Errorf("rangeOf(%.20q, %q) end = %.30q, want %.30q", tc.prefix, tc.after, got, tc.end)
			}
		})
	}
}

func TestDecodeRow(t *testing.T) {
	pk := func(v any) *ots.PrimaryKey {
		return &ots.PrimaryKey{PrimaryKeys: []*ots.PrimaryKeyColumn{{ColumnName: ColumnKey, Value: v}}}
	}
	cols := func(ver any, val any) []*ots.AttributeColumn {
		c := []*ots.AttributeColumn{{ColumnName: ColumnVersion, Value: ver}}
		if val != nil {
			c = append(c, &ots.AttributeColumn{ColumnName: ColumnValue, Value: val})
		}
		return c
	}
	it, err := decodeRow(pk("k\u00ff"), cols(int64(3), []byte("v")))
	if err != nil || it.Key != "k\xff" || string(it.Value) != "v" || it.Version != 3 {
		t.Fatalf("decodeRow = %+v, %v; want {k\\xff v 3}", it, err)
	}
	it, err = decodeRow(pk("k"), cols(int64(1), nil))
	if err != nil || it.Value == nil || len(it.Value) != 0 {
		t.Fatalf("decodeRow(no value) = %#v, %v; want an empty non-nil value", it.Value, err)
	}
	broken := []struct {
		name string
		pk   *ots.PrimaryKey
		cols []*ots.AttributeColumn
	}{
		{"no primary key", &ots.PrimaryKey{}, cols(int64(1), nil)},
		{"integer primary key", pk(int64(1)), cols(int64(1), nil)},
		{"undecodable key", pk("\u20ac"), cols(int64(1), nil)},
		{"no version", pk("k"), nil},
		{"zero version", pk("k"), cols(int64(0), nil)},
		{"string version", pk("k"), cols("1", nil)},
		{"string value", pk("k"), cols(int64(1), "v")},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			if it, err := decodeRow(tc.pk, tc.cols); err == nil {
				t.Fatalf("decodeRow = %+v, want an error", it)
			}
		})
	}
}
