package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func TestMetricsHandler_PrometheusText(t *testing.T) {
	tel, err := New(context.Background(), envOf(nil), Options{Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	ctx := context.Background()
	meter := tel.MeterProvider().Meter(ScopeName)
	requests, _ := meter.Int64Counter(MetricRequests, metric.WithUnit("{request}"), metric.WithDescription("API requests answered."))
	requests.Add(ctx, 2, metric.WithAttributes(attribute.String(AttrAction, "StartExecution"), attribute.Int(AttrHTTPStatus, 200)))
	requests.Add(ctx, 1, metric.WithAttributes(attribute.String(AttrAction, "DescribeExecution"), attribute.Int(AttrHTTPStatus, 400),
		attribute.String(AttrErrorType, `Bad"Quote\`)))
	dur, _ := meter.Float64Histogram(MetricRequestDuration, metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(0.1, 1))
	dur.Record(ctx, 0.05)
	dur.Record(ctx, 0.5)
	dur.Record(ctx, 3)
	parked, _ := meter.Int64UpDownCounter("cloudflow.up.down", metric.WithUnit("{execution}"))
	parked.Add(ctx, -2)
	_, _ = meter.Int64ObservableGauge(MetricQueueDepth, metric.WithUnit("{execution}"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(7); return nil }))

	srv := httptest.NewServer(tel.MetricsHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != PrometheusContentType {
		t.Errorf("Content-Type = %q, want %q", ct, PrometheusContentType)
	}
	got := string(body)
	info, rest, ok := strings.Cut(got, "\n# HELP cloudflow_api_request_duration_seconds")
	if !ok {
		// The histogram has no description: its block starts with TYPE.
		info, rest, ok = strings.Cut(got, "\n# TYPE cloudflow_api_request_duration_seconds")
		rest = "# TYPE cloudflow_api_request_duration_seconds" + rest
	}
	if !ok || !strings.HasPrefix(info, "# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{") ||
		!strings.Contains(info, `service_name="cloudflow"`) {
		t.Fatalf("scrape does not start with target_info naming the service:\n%s", got)
	}
	want := `# TYPE cloudflow_api_request_duration_seconds histogram
cloudflow_api_request_duration_seconds_bucket{le="0.1"} 1
cloudflow_api_request_duration_seconds_bucket{le="1"} 2
cloudflow_api_request_duration_seconds_bucket{le="+Inf"} 3
cloudflow_api_request_duration_seconds_sum 3.55
cloudflow_api_request_duration_seconds_count 3
# HELP cloudflow_api_requests_total API requests answered.
# TYPE cloudflow_api_requests_total counter
cloudflow_api_requests_total{cloudflow_action="DescribeExecution",error_type="Bad\"Quote\\",http_response_status_code="400"} 1
cloudflow_api_requests_total{cloudflow_action="StartExecution",http_response_status_code="200"} 2
# TYPE cloudflow_runner_queue_depth gauge
cloudflow_runner_queue_depth 7
# TYPE cloudflow_up_down gauge
cloudflow_up_down -2
`
	if rest != want {
		t.Errorf("scrape =\n%s\nwant\n%s", rest, want)
	}

	post, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d, want 405", post.StatusCode)
	}
}

func TestPromName(t *testing.T) {
	tests := []struct{ name, unit, want string }{
		{"cloudflow.store.duration", "s", "cloudflow_store_duration_seconds"},
		{"cloudflow.api.requests", "{request}", "cloudflow_api_requests"},
		{"x.latency", "ms", "x_latency_milliseconds"},
		{"x.size", "By", "x_size_bytes"},
		{"x.ratio", "1", "x_ratio"},
		{"9lives", "", "_9lives"},
		{"a-b/c", "", "a_b_c"},
		{"already_seconds", "s", "already_seconds"},
	}
	for _, tc := range tests {
		if got := promName(tc.name, tc.unit); got != tc.want {
			t.Errorf("promName(%q, %q) = %q, want %q", tc.name, tc.unit, got, tc.want)
		}
	}
}
