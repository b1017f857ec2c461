package tablestore

import (
	"bytes"
	"context"
	"testing"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// The recorded shape of each conditional write is what the SDK itself serializes for the change
// platforms.md 9.3 documents (one String primary key "pk", Integer "ver", Binary "val"), built
// here directly with the SDK rather than through the store, and sent through the same stand-in:
// the store's request body must be the same bytes.

// sdkShape returns the body the SDK sends for change.
func sdkShape(t *testing.T, change *ots.PutRowChange) []byte {
	t.Helper()
	w, _ := newWire(t)
	cfg := ots.NewDefaultTableStoreConfig()
	cfg.RetryTimes = 0
	c := ots.NewClientWithConfig(w.url, "inst", "ak", "sk", "", cfg)
	if _, err := c.PutRow(&ots.PutRowRequest{PutRowChange: change}); err != nil {
		t.Fatalf("SDK PutRow: %v", err)
	}
	bodies := w.bodies("/PutRow")
	if len(bodies) != 1 {
		t.Fatalf("SDK sent %d PutRow requests, want 1", len(bodies))
	}
	return bodies[0]
}

func TestStore_RequestShapes(t *testing.T) {
	const key = "exec/acct/flow/run-1"
	value := []byte(`{"status":"Running"}`)
	tests := []struct {
		name  string
		send  func(s *Store) error
		shape func() *ots.PutRowChange
	}{
		{"PutIfAbsent", func(s *Store) error { _, err := s.PutIfAbsent(context.Background(), key, value); return err },
			func() *ots.PutRowChange {
				pk := new(ots.PrimaryKey)
				pk.AddPrimaryKeyColumn("pk", key)
				ch := &ots.PutRowChange{TableName: "t", PrimaryKey: pk}
				ch.AddColumn("ver", int64(1))
				ch.AddColumn("val", value)
				ch.SetCondition(ots.RowExistenceExpectation_EXPECT_NOT_EXIST)
				return ch
			}},
		{"CompareAndSwap", func(s *Store) error { _, err := s.CompareAndSwap(context.Background(), key, 3, value); return err },
			func() *ots.PutRowChange {
				pk := new(ots.PrimaryKey)
				pk.AddPrimaryKeyColumn("pk", key)
				ch := &ots.PutRowChange{TableName: "t", PrimaryKey: pk}
				ch.AddColumn("ver", int64(4))
				ch.AddColumn("val", value)
				ch.SetCondition(ots.RowExistenceExpectation_EXPECT_EXIST)
				cond := ots.NewSingleColumnCondition("ver", ots.CT_EQUAL, int64(3))
				cond.FilterIfMissing = true
				cond.LatestVersionOnly = true
				ch.SetColumnCondition(cond)
				return ch
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := sdkShape(t, tc.shape())
			w, s := newWire(t)
			if err := tc.send(s); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got := w.bodies("/PutRow")
			if len(got) != 1 {
				t.Fatalf("store sent %d PutRow requests, want 1", len(got))
			}
			if !bytes.Equal(got[0], want) {
				t.Errorf("%s request = %x, want the SDK's own serialization %x", tc.name, got[0], want)
			}
		})
	}
}
