package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// The OTLP/HTTP transport is written here rather than taken from the
// otlptracehttp and otlpmetrichttp modules: their request types live in
// packages that also hold the gRPC service stubs, which link all of gRPC
// (2.3 MB of every Lambda bootstrap). An export request is the repeated field 1 of
// ResourceSpans or ResourceMetrics, so it is encoded by hand.

// The OTLP/HTTP variables the transport reads, besides the endpoints.
const (
	EnvHeaders     = "OTEL_EXPORTER_OTLP_HEADERS"
	EnvTimeout     = "OTEL_EXPORTER_OTLP_TIMEOUT"
	EnvCompression = "OTEL_EXPORTER_OTLP_COMPRESSION"
	// DefaultEndpoint is the collector when no endpoint variable is set.
	DefaultEndpoint = "http://localhost:4318"
	defaultTimeout  = 10 * time.Second
)

// otlpClient posts OTLP/HTTP protobuf export requests of one signal.
type otlpClient struct {
	url     string
	headers http.Header
	timeout time.Duration
	gzip    bool
	http    *http.Client
}

// newOTLPClient reads the endpoint, headers, timeout and compression of
// the signal (TRACES or METRICS) the way the OpenTelemetry specification
// says: the signal's variable wins over the general one, and a general
// endpoint gets the signal's path appended.
func newOTLPClient(getenv func(string) string, signal, path string) (*otlpClient, error) {
	get := func(general string) (string, string) {
		specific := strings.Replace(general, "OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_"+signal+"_", 1)
		if v := strings.TrimSpace(getenv(specific)); v != "" {
			return v, specific
		}
		return strings.TrimSpace(getenv(general)), general
	}
	c := &otlpClient{headers: http.Header{}, timeout: defaultTimeout, http: &http.Client{}}
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT")); v != "" {
		c.url = v
	} else {
		base := strings.TrimSpace(getenv(EnvEndpoint))
		if base == "" {
			base = DefaultEndpoint
		}
		c.url = strings.TrimSuffix(base, "/") + path
	}
	if u, err := url.Parse(c.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: OTLP %s endpoint %q: want an http or https URL", ErrConfig, strings.ToLower(signal), c.url)
	}
	if v, name := get(EnvHeaders); v != "" {
		for _, pair := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(pair, "=")
			key, err1 := url.PathUnescape(strings.TrimSpace(k))
			value, err2 := url.PathUnescape(strings.TrimSpace(val))
			if !ok || key == "" || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%w: %s: want key=value pairs separated by commas", ErrConfig, name)
			}
			c.headers.Add(key, value)
		}
	}
	if v, name := get(EnvTimeout); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("%w: %s=%q: want a positive number of milliseconds", ErrConfig, name, v)
		}
		c.timeout = time.Duration(ms) * time.Millisecond
	}
	switch v, name := get(EnvCompression); v {
	case "", "none":
	case "gzip":
		c.gzip = true
	default:
		return nil, fmt.Errorf("%w: %s=%q: want gzip or none", ErrConfig, name, v)
	}
	return c, nil
}

// post sends one export request; any status but 2xx is an error.
func (c *otlpClient) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if c.gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(body); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		body = buf.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range c.headers {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("otlp export: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("otlp export to %s: HTTP %d", c.url, resp.StatusCode)
	}
	return nil
}

// exportRequest encodes messages as the repeated field 1 of an export
// request (ExportTraceServiceRequest, ExportMetricsServiceRequest).
func exportRequest[M proto.Message](msgs []M) ([]byte, error) {
	var b []byte
	for _, m := range msgs {
		enc, err := proto.Marshal(m)
		if err != nil {
			return nil, err
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, enc)
	}
	return b, nil
}

// traceClient is the otlptrace.Client of the OTLP/HTTP transport.
type traceClient struct{ c *otlpClient }

var _ otlptrace.Client = traceClient{}

func (traceClient) Start(context.Context) error { return nil }
func (traceClient) Stop(context.Context) error  { return nil }

func (t traceClient) UploadTraces(ctx context.Context, spans []*tracepb.ResourceSpans) error {
	body, err := exportRequest(spans)
	if err != nil {
		return err
	}
	return t.c.post(ctx, body)
}

// metricExporter is the sdkmetric.Exporter of the OTLP/HTTP transport:
// cumulative temporality and the default aggregations.
type metricExporter struct{ c *otlpClient }

var _ sdkmetric.Exporter = metricExporter{}

func (metricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (metricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (m metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	body, err := exportRequest([]*metricpb.ResourceMetrics{resourceMetrics(rm)})
	if err != nil {
		return err
	}
	return m.c.post(ctx, body)
}

func (metricExporter) ForceFlush(context.Context) error { return nil }
func (metricExporter) Shutdown(context.Context) error   { return nil }

// resourceMetrics turns the SDK's metrics into their OTLP message.
func resourceMetrics(rm *metricdata.ResourceMetrics) *metricpb.ResourceMetrics {
	out := &metricpb.ResourceMetrics{Resource: &resourcepb.Resource{}}
	if rm.Resource != nil {
		out.Resource.Attributes = keyValues(rm.Resource.Attributes())
		out.SchemaUrl = rm.Resource.SchemaURL()
	}
	for _, sm := range rm.ScopeMetrics {
		s := &metricpb.ScopeMetrics{Scope: &commonpb.InstrumentationScope{Name: sm.Scope.Name, Version: sm.Scope.Version}, SchemaUrl: sm.Scope.SchemaURL}
		for _, m := range sm.Metrics {
			if pm := metricMessage(m); pm != nil {
				s.Metrics = append(s.Metrics, pm)
			}
		}
		out.ScopeMetrics = append(out.ScopeMetrics, s)
	}
	return out
}

func metricMessage(m metricdata.Metrics) *metricpb.Metric {
	pm := &metricpb.Metric{Name: m.Name, Description: m.Description, Unit: m.Unit}
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		pm.Data = &metricpb.Metric_Sum{Sum: &metricpb.Sum{DataPoints: numberPoints(d.DataPoints), AggregationTemporality: temporality(d.Temporality), IsMonotonic: d.IsMonotonic}}
	case metricdata.Sum[float64]:
		pm.Data = &metricpb.Metric_Sum{Sum: &metricpb.Sum{DataPoints: numberPoints(d.DataPoints), AggregationTemporality: temporality(d.Temporality), IsMonotonic: d.IsMonotonic}}
	case metricdata.Gauge[int64]:
		pm.Data = &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: numberPoints(d.DataPoints)}}
	case metricdata.Gauge[float64]:
		pm.Data = &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: numberPoints(d.DataPoints)}}
	case metricdata.Histogram[int64]:
		pm.Data = &metricpb.Metric_Histogram{Histogram: &metricpb.Histogram{DataPoints: histogramPoints(d.DataPoints), AggregationTemporality: temporality(d.Temporality)}}
	case metricdata.Histogram[float64]:
		pm.Data = &metricpb.Metric_Histogram{Histogram: &metricpb.Histogram{DataPoints: histogramPoints(d.DataPoints), AggregationTemporality: temporality(d.Temporality)}}
	default:
		return nil // exponential histograms and summaries: none are recorded
	}
	return pm
}

func temporality(t metricdata.Temporality) metricpb.AggregationTemporality {
	if t == metricdata.DeltaTemporality {
		return metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA
	}
	return metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE
}

func unixNano(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(t.UnixNano())
}

func numberPoints[N int64 | float64](dps []metricdata.DataPoint[N]) []*metricpb.NumberDataPoint {
	out := make([]*metricpb.NumberDataPoint, len(dps))
	for i, dp := range dps {
		p := &metricpb.NumberDataPoint{Attributes: keyValues(dp.Attributes.ToSlice()), StartTimeUnixNano: unixNano(dp.StartTime), TimeUnixNano: unixNano(dp.Time)}
		switch v := any(dp.Value).(type) {
		case int64:
			p.Value = &metricpb.NumberDataPoint_AsInt{AsInt: v}
		case float64:
			p.Value = &metricpb.NumberDataPoint_AsDouble{AsDouble: v}
		}
		out[i] = p
	}
	return out
}

func histogramPoints[N int64 | float64](dps []metricdata.HistogramDataPoint[N]) []*metricpb.HistogramDataPoint {
	out := make([]*metricpb.HistogramDataPoint, len(dps))
	for i, dp := range dps {
		sum := float64(dp.Sum)
		p := &metricpb.HistogramDataPoint{Attributes: keyValues(dp.Attributes.ToSlice()), StartTimeUnixNano: unixNano(dp.StartTime), TimeUnixNano: unixNano(dp.Time),
			Count: dp.Count, Sum: &sum, BucketCounts: dp.BucketCounts, ExplicitBounds: dp.Bounds}
		if v, ok := dp.Min.Value(); ok {
			f := float64(v)
			p.Min = &f
		}
		if v, ok := dp.Max.Value(); ok {
			f := float64(v)
			p.Max = &f
		}
		out[i] = p
	}
	return out
}

func keyValues(kvs []attribute.KeyValue) []*commonpb.KeyValue {
	out := make([]*commonpb.KeyValue, 0, len(kvs))
	for _, kv := range kvs {
		v := &commonpb.AnyValue{}
		switch kv.Value.Type() {
		case attribute.BOOL:
			v.Value = &commonpb.AnyValue_BoolValue{BoolValue: kv.Value.AsBool()}
		case attribute.INT64:
			v.Value = &commonpb.AnyValue_IntValue{IntValue: kv.Value.AsInt64()}
		case attribute.FLOAT64:
			v.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: kv.Value.AsFloat64()}
		default:
			v.Value = &commonpb.AnyValue_StringValue{StringValue: kv.Value.String()}
		}
		out = append(out, &commonpb.KeyValue{Key: string(kv.Key), Value: v})
	}
	return out
}
