package telemetry

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	collmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNew_Switches(t *testing.T) {
	tests := []struct {
		name                string
		env                 map[string]string
		opts                Options
		wantTraces, wantMet bool
		wantErr             string
	}{
		{name: "nothing set: off", env: nil},
		{name: "general endpoint: both", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1"}, wantTraces: true, wantMet: true},
		{name: "traces endpoint only", env: map[string]string{EnvTracesEndpoint: "http://127.0.0.1:1/v1/traces"}, wantTraces: true},
		{name: "metrics exporter otlp only", env: map[string]string{EnvMetricsExporter: "otlp"}, wantMet: true},
		{name: "endpoint but traces none", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvTracesExporter: "none"}, wantMet: true},
		{name: "disabled wins", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvSDKDisabled: "true"}},
		{name: "prometheus alone turns metrics on", opts: Options{Prometheus: true}, wantMet: true},
		{name: "unknown exporter", env: map[string]string{EnvTracesExporter: "zipkin"}, wantErr: `OTEL_TRACES_EXPORTER="zipkin"`},
		{name: "grpc protocol", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvProtocol: "grpc"}, wantErr: `OTEL_EXPORTER_OTLP_PROTOCOL="grpc"`},
		{name: "grpc protocol of an unused signal is ignored", env: map[string]string{EnvTracesExporter: "otlp", EnvMetricsProtocol: "grpc"}, wantTraces: true},
		{name: "bad headers", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvHeaders: "novalue"}, wantErr: EnvHeaders},
		{name: "bad timeout", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "soon"}, wantErr: `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="soon"`},
		{name: "bad compression", env: map[string]string{EnvEndpoint: "http://127.0.0.1:1", EnvCompression: "zstd"}, wantErr: `OTEL_EXPORTER_OTLP_COMPRESSION="zstd"`},
		{name: "endpoint not a URL", env: map[string]string{EnvTracesEndpoint: "collector:4318"}, wantErr: "collector:4318"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tel, err := New(context.Background(), envOf(tc.env), tc.opts)
			if tc.wantErr != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New() error = %v, want ErrConfig naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tel.Shutdown(context.Background()) }()
			if tel.Tracing() != tc.wantTraces || tel.Metering() != tc.wantMet {
				t.Fatalf("Tracing, Metering = %v, %v, want %v, %v", tel.Tracing(), tel.Metering(), tc.wantTraces, tc.wantMet)
			}
			if !tc.wantTraces && !tc.wantMet && tel.Observer() != nil {
				t.Fatal("Observer() is not nil with telemetry off")
			}
			if (tel.MetricsHandler() != nil) != tc.opts.Prometheus {
				t.Fatalf("MetricsHandler() present = %v, want %v", tel.MetricsHandler() != nil, tc.opts.Prometheus)
			}
		})
	}
}

// otlpReceiver is a loopback OTLP/HTTP endpoint that decodes what it gets.
type otlpReceiver struct {
	mu      sync.Mutex
	traces  []*colltrace.ExportTraceServiceRequest
	metrics []*collmetrics.ExportMetricsServiceRequest
	types   []string
	auth    []string
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rd = zr
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.types = append(o.types, r.Header.Get("Content-Type"))
	o.auth = append(o.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Team"))
	switch r.URL.Path {
	case "/v1/traces":
		var req colltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.traces = append(o.traces, &req)
	case "/v1/metrics":
		var req collmetrics.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.metrics = append(o.metrics, &req)
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
}

func TestNew_ExportsOTLPHTTP(t *testing.T) {
	rcv := &otlpReceiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	// The exporters read the OTEL_* variables themselves.
	t.Setenv(EnvEndpoint, srv.URL)
	t.Setenv("OTEL_SERVICE_NAME", "flows-test")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=ci")
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "3600000")
	tel, err := New(context.Background(), envOf(map[string]string{EnvEndpoint: srv.URL + "/",
		EnvHeaders: "authorization=Bearer%20t0k, x-team=flows", EnvCompression: "gzip"}), Options{ServiceVersion: "v9"})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider().Tracer(ScopeName).Start(context.Background(), "hello")
	span.End()
	c, err := tel.MeterProvider().Meter(ScopeName).Int64Counter(MetricStarted)
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 3)
	h, err := tel.MeterProvider().Meter(ScopeName).Float64Histogram(MetricStoreDuration, metric.WithExplicitBucketBoundaries(0.1))
	if err != nil {
		t.Fatal(err)
	}
	h.Record(context.Background(), 0.05, metric.WithAttributes(attribute.String(AttrStoreOperation, "get")))
	h.Record(context.Background(), 0.5, metric.WithAttributes(attribute.String(AttrStoreOperation, "get")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	for i, ct := range rcv.types {
		if ct != "application/x-protobuf" || rcv.auth[i] != "Bearer t0k|flows" {
			t.Errorf("request %d: Content-Type %q, Authorization|X-Team %q; want application/x-protobuf, Bearer t0k|flows", i, ct, rcv.auth[i])
		}
	}
	if len(rcv.traces) == 0 {
		t.Fatal("the receiver got no trace export")
	}
	rs := rcv.traces[0].ResourceSpans[0]
	res := map[string]string{}
	for _, kv := range rs.Resource.Attributes {
		res[kv.Key] = kv.Value.GetStringValue()
	}
	if res["service.name"] != "flows-test" || res["service.version"] != "v9" || res["deployment.environment"] != "ci" {
		t.Errorf("resource = %v, want service.name flows-test, service.version v9, deployment.environment ci", res)
	}
	if got := rs.ScopeSpans[0].Spans[0].Name; got != "hello" {
		t.Errorf("span name = %q, want hello", got)
	}
	var value int64 = -1
	hist := false
	for _, req := range rcv.metrics {
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					switch m.Name {
					case MetricStarted:
						value = m.GetSum().DataPoints[0].GetAsInt()
						if !m.GetSum().IsMonotonic {
							t.Errorf("%s exported as a non-monotonic sum", m.Name)
						}
					case MetricStoreDuration:
						dp := m.GetHistogram().DataPoints[0]
						if dp.Count != 2 || dp.GetSum() != 0.55 || len(dp.BucketCounts) != 2 || dp.BucketCounts[0] != 1 ||
							dp.Attributes[0].Key != AttrStoreOperation || dp.Attributes[0].Value.GetStringValue() != "get" {
							t.Errorf("%s exported as %v", m.Name, dp)
						}
						hist = true
					}
				}
			}
		}
	}
	if !hist {
		t.Errorf("%s was not exported", MetricStoreDuration)
	}
	if value != 3 {
		t.Errorf("%s exported = %d, want 3", MetricStarted, value)
	}
}
