package telemetry

import (
	"context"
	"errors"
	"reflect"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// ttlStore is a MemStore seen through Store (no Apply) plus the DynamoDB
// store's CompareAndSwapExpiring (the expiry is not acted on).
type ttlStore struct{ Store }

func (s ttlStore) CompareAndSwapExpiring(ctx context.Context, key string, version int64, value []byte, _ int64) (kv.Item, error) {
	return s.CompareAndSwap(ctx, key, version, value)
}

// storeCounts returns the MetricStoreDuration counts by operation and
// error class ("op" or "op/class").
func storeCounts(t *testing.T, r *sdkmetric.ManualReader) map[string]uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != MetricStoreDuration {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				op, _ := dp.Attributes.Value(AttrStoreOperation)
				k := op.AsString()
				if class, ok := dp.Attributes.Value(AttrErrorType); ok {
					k += "/" + class.AsString()
				}
				out[k] += dp.Count
			}
		}
	}
	return out
}

func TestMeasureStore_RecordsEveryCall(t *testing.T) {
	r := sdkmetric.NewManualReader()
	tel, err := New(context.Background(), envOf(nil), Options{Readers: []sdkmetric.Reader{r}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := tel.MeasureStore(kv.NewMemStore())
	if _, ok := s.(expiring); ok {
		t.Fatal("the wrapper of a MemStore has CompareAndSwapExpiring")
	}
	it, err := s.PutIfAbsent(ctx, "a", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutIfAbsent(ctx, "a", []byte("2")); !errors.Is(err, kv.ErrConditionFailed) {
		t.Fatalf("second PutIfAbsent error = %v", err)
	}
	if _, err := s.Get(ctx, "missing"); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("Get(missing) error = %v", err)
	}
	if _, err := s.CompareAndSwap(ctx, "a", it.Version, []byte("3")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx, "", "", 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ""); err == nil {
		t.Fatal("Get of an empty key succeeded")
	}
	if err := s.(atomic).Apply(ctx, []kv.Op{{Kind: kv.OpCreate, Key: "b", Value: []byte("1")}, {Kind: kv.OpPut, Key: "c", Value: []byte("2")}}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if it, err := s.Get(ctx, "c"); err != nil || string(it.Value) != "2" {
		t.Fatalf("Get(c) after Apply = %q, %v", it.Value, err)
	}
	if items, err := s.GetMany(ctx, []string{"b", "c", "x"}); err != nil || len(items) != 2 {
		t.Fatalf("GetMany(b, c, x) = %d items, %v; want 2", len(items), err)
	}
	got := storeCounts(t, r)
	want := map[string]uint64{"get_many": 1,
		"put_if_absent": 1, "put_if_absent/condition_failed": 1, "get/not_found": 1, "get/other": 1,
		"compare_and_swap": 1, "list": 1, "delete": 1, "apply": 1, "get": 1,
	}
	if len(got) != len(want) {
		t.Fatalf("counts = %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("count[%s] = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMeasureStore_KeepsCompareAndSwapExpiring(t *testing.T) {
	r := sdkmetric.NewManualReader()
	tel, err := New(context.Background(), envOf(nil), Options{Readers: []sdkmetric.Reader{r}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := tel.MeasureStore(ttlStore{kv.NewMemStore()})
	e, ok := s.(expiring)
	if !ok {
		t.Fatal("the wrapper of a store with CompareAndSwapExpiring lacks it")
	}
	it, _ := s.PutIfAbsent(ctx, "k", []byte("v"))
	if _, err := e.CompareAndSwapExpiring(ctx, "k", it.Version, []byte("w"), 1); err != nil {
		t.Fatal(err)
	}
	// ttlStore has no Apply: the wrapper answers as a store without
	// transactions does.
	if err := s.(atomic).Apply(ctx, []kv.Op{{Kind: kv.OpPut, Key: "x", Value: []byte("1")}}); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Apply on a store without it = %v, want errors.ErrUnsupported", err)
	}
	if got := storeCounts(t, r)["compare_and_swap"]; got != 1 {
		t.Errorf("compare_and_swap count = %d, want 1", got)
	}
}

func TestMeasureStore_OffReturnsTheStore(t *testing.T) {
	tel, err := New(context.Background(), envOf(nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := kv.NewMemStore()
	if got := tel.MeasureStore(st); got != Store(st) {
		t.Fatalf("MeasureStore with metrics off = %T, want the store itself", got)
	}
}

func BenchmarkMeasureStore_Get(b *testing.B) {
	ctx := context.Background()
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			opts := Options{}
			if on {
				opts.Readers = []sdkmetric.Reader{sdkmetric.NewManualReader()}
			}
			tel, err := New(ctx, envOf(nil), opts)
			if err != nil {
				b.Fatal(err)
			}
			s := tel.MeasureStore(kv.NewMemStore())
			if _, err := s.PutIfAbsent(ctx, "key", []byte("value")); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, "key"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// notWrapped are the exported store methods the service never reaches
// through its Store: the wrapper need not have them.
var notWrapped = map[string]bool{"Update": true}

// TestMeasureStore_HasEveryStoreMethod fails when a kv store gains a method
// (an optional interface the service may look for) that the wrapper would
// hide: add it to the wrapper, or to notWrapped.
func TestMeasureStore_HasEveryStoreMethod(t *testing.T) {
	r := sdkmetric.NewManualReader()
	tel, err := New(context.Background(), envOf(nil), Options{Readers: []sdkmetric.Reader{r}})
	if err != nil {
		t.Fatal(err)
	}
	bolt, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	for _, st := range []Store{kv.NewMemStore(), bolt} {
		wrapped := reflect.TypeOf(tel.MeasureStore(st))
		raw := reflect.TypeOf(st)
		for i := range raw.NumMethod() {
			name := raw.Method(i).Name
			if _, ok := wrapped.MethodByName(name); !ok && !notWrapped[name] {
				t.Errorf("%v has %s; the wrapper %v does not", raw, name, wrapped)
			}
		}
	}
}
