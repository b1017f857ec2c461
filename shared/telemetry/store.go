package telemetry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Store is the key-value store MeasureStore wraps: the methods of the
// shared/kv stores the service uses.
type Store interface {
	Get(ctx context.Context, key string) (kv.Item, error)
	GetMany(ctx context.Context, keys []string) ([]kv.Item, error)
	PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error)
	CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error)
	Delete(ctx context.Context, key string, version int64) error
	List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error)
	Close() error
}

// expiring is the optional method of a store with TTL support (the
// DynamoDB store); the wrapper has it exactly when the wrapped store does.
type expiring interface {
	CompareAndSwapExpiring(ctx context.Context, key string, version int64, value []byte, expiresAt int64) (kv.Item, error)
}

// atomic is the optional multi-key write of the stores that have it; the
// wrapper always has it and answers errors.ErrUnsupported, as a store
// without transactions does, when the wrapped store lacks it.
type atomic interface {
	Apply(ctx context.Context, ops []kv.Op) error
}

// Store operations (values of AttrStoreOperation).
const (
	opGet            = "get"
	opGetMany        = "get_many"
	opPutIfAbsent    = "put_if_absent"
	opCompareAndSwap = "compare_and_swap"
	opDelete         = "delete"
	opList           = "list"
	opApply          = "apply"
)

// Store error classes (values of AttrErrorType on MetricStoreDuration).
const (
	storeNotFound        = "not_found"
	storeConditionFailed = "condition_failed"
	storeOther           = "other"
)

// MeasureStore returns s recording the latency of every call in
// MetricStoreDuration, by operation and error class, or s itself when
// metrics are off. The wrapper has CompareAndSwapExpiring when s has it,
// and Apply always (errors.ErrUnsupported when s lacks it).
func (t *Telemetry) MeasureStore(s Store) Store {
	if !t.Metering() {
		return s
	}
	h, err := t.mp.Meter(ScopeName).Float64Histogram(MetricStoreDuration, metric.WithUnit("s"),
		metric.WithDescription(Describe(MetricStoreDuration)), storeBuckets)
	if err != nil {
		return s
	}
	m := &measured{s: s, h: h, attrs: map[[2]string]metric.MeasurementOption{}}
	for _, op := range []string{opGet, opGetMany, opPutIfAbsent, opCompareAndSwap, opDelete, opList, opApply} {
		for _, e := range []string{"", storeNotFound, storeConditionFailed, storeOther} {
			kvs := []attribute.KeyValue{attribute.String(AttrStoreOperation, op)}
			if e != "" {
				kvs = append(kvs, attribute.String(AttrErrorType, e))
			}
			m.attrs[[2]string{op, e}] = metric.WithAttributeSet(attribute.NewSet(kvs...))
		}
	}
	if _, ok := s.(expiring); ok {
		return &measuredExpiring{m}
	}
	return m
}

// Describe returns the description of the named instrument in Metrics.
func Describe(name string) string {
	for _, m := range Metrics {
		if m.Name == name {
			return m.Description
		}
	}
	return ""
}

type measured struct {
	s     Store
	h     metric.Float64Histogram
	attrs map[[2]string]metric.MeasurementOption // by operation and error class, built once
}

func (m *measured) record(ctx context.Context, op string, start time.Time, err error) {
	class := ""
	switch {
	case err == nil:
	case errors.Is(err, kv.ErrNotFound):
		class = storeNotFound
	case errors.Is(err, kv.ErrConditionFailed):
		class = storeConditionFailed
	default:
		class = storeOther
	}
	m.h.Record(context.WithoutCancel(ctx), time.Since(start).Seconds(), m.attrs[[2]string{op, class}])
}

func (m *measured) Get(ctx context.Context, key string) (kv.Item, error) {
	start := time.Now()
	it, err := m.s.Get(ctx, key)
	m.record(ctx, opGet, start, err)
	return it, err
}

func (m *measured) GetMany(ctx context.Context, keys []string) ([]kv.Item, error) {
	start := time.Now()
	items, err := m.s.GetMany(ctx, keys)
	m.record(ctx, opGetMany, start, err)
	return items, err
}

func (m *measured) PutIfAbsent(ctx context.Context, key string, value []byte) (kv.Item, error) {
	start := time.Now()
	it, err := m.s.PutIfAbsent(ctx, key, value)
	m.record(ctx, opPutIfAbsent, start, err)
	return it, err
}

func (m *measured) CompareAndSwap(ctx context.Context, key string, version int64, value []byte) (kv.Item, error) {
	start := time.Now()
	it, err := m.s.CompareAndSwap(ctx, key, version, value)
	m.record(ctx, opCompareAndSwap, start, err)
	return it, err
}

func (m *measured) Delete(ctx context.Context, key string, version int64) error {
	start := time.Now()
	err := m.s.Delete(ctx, key, version)
	m.record(ctx, opDelete, start, err)
	return err
}

func (m *measured) List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	start := time.Now()
	items, err := m.s.List(ctx, prefix, after, limit)
	m.record(ctx, opList, start, err)
	return items, err
}

func (m *measured) Apply(ctx context.Context, ops []kv.Op) error {
	a, ok := m.s.(atomic)
	if !ok {
		return fmt.Errorf("store %T has no Apply: %w", m.s, errors.ErrUnsupported)
	}
	start := time.Now()
	err := a.Apply(ctx, ops)
	m.record(ctx, opApply, start, err)
	return err
}

func (m *measured) Close() error { return m.s.Close() }

// measuredExpiring is measured over a store with TTL support.
type measuredExpiring struct{ *measured }

func (m *measuredExpiring) CompareAndSwapExpiring(ctx context.Context, key string, version int64, value []byte, expiresAt int64) (kv.Item, error) {
	start := time.Now()
	it, err := m.s.(expiring).CompareAndSwapExpiring(ctx, key, version, value, expiresAt)
	m.record(ctx, opCompareAndSwap, start, err)
	return it, err
}
