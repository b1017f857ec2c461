package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	colltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// tracedFlow calls an endpoint, then fans out: a request span, a run
// slice, four state spans and a task span.
const tracedFlow = `Type: StateMachine
SpecVersion: v1
Name: orders
StartAt: Prepare
States:
  - Name: Prepare
    Type: Pass
    OutputConstructor: {url.$: $Input.url}
    Next: Charge
  - Name: Charge
    Type: Task
    Action: HTTP:Request
    Parameters: {url.$: $Input.url, method: POST}
    Next: Notify
  - Name: Notify
    Type: Parallel
    Branches:
      - StartAt: Mail
        States: [{Name: Mail, Type: Pass, End: true}]
    End: true
`

// spanSink is a loopback OTLP/HTTP traces endpoint.
type spanSink struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (s *spanSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path != "/v1/traces" {
		w.WriteHeader(http.StatusOK) // metrics: accepted, not inspected here
		return
	}
	var req colltrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			s.spans = append(s.spans, ss.Spans...)
		}
	}
}

func (s *spanSink) all() []*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*tracepb.Span(nil), s.spans...)
}

func (s *spanSink) byName() map[string][]*tracepb.Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]*tracepb.Span{}
	for _, sp := range s.spans {
		out[sp.Name] = append(out[sp.Name], sp)
	}
	return out
}

// tree renders the spans of one trace as an indented tree with their
// kinds and attributes.
func tree(spans []*tracepb.Span, traceID []byte) string {
	kids := map[string][]*tracepb.Span{}
	ids := map[string]bool{}
	for _, sp := range spans {
		if string(sp.TraceId) == string(traceID) {
			ids[hex.EncodeToString(sp.SpanId)] = true
		}
	}
	var roots []*tracepb.Span
	for _, sp := range spans {
		if string(sp.TraceId) != string(traceID) {
			continue
		}
		if p := hex.EncodeToString(sp.ParentSpanId); ids[p] {
			kids[p] = append(kids[p], sp)
		} else {
			roots = append(roots, sp)
		}
	}
	var b strings.Builder
	var walk func(sp *tracepb.Span, depth int)
	walk = func(sp *tracepb.Span, depth int) {
		var attrs []string
		for _, kv := range sp.Attributes {
			var v any
			switch x := kv.Value.GetValue().(type) {
			case *commonpb.AnyValue_StringValue:
				v = x.StringValue
			case *commonpb.AnyValue_IntValue:
				v = x.IntValue
			case *commonpb.AnyValue_BoolValue:
				v = x.BoolValue
			default:
				v = x
			}
			attrs = append(attrs, fmt.Sprintf("%s=%v", kv.Key, v))
		}
		fmt.Fprintf(&b, "%s%s [%s, %s] %s\n", strings.Repeat("  ", depth), sp.Name,
			strings.TrimPrefix(sp.Kind.String(), "SPAN_KIND_"), time.Duration(sp.EndTimeUnixNano-sp.StartTimeUnixNano).Round(time.Microsecond), strings.Join(attrs, " "))
		for _, k := range kids[hex.EncodeToString(sp.SpanId)] {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}

// TestLocal_TelemetryOverOTLPAndPrometheus runs the real binary with an
// OTLP endpoint and -metrics-addr: a Standard execution's spans reach the
// endpoint as one tree under the StartExecution request, and /metrics,
// scraped over HTTP, counts the execution, the requests and the store
// calls.
func TestLocal_TelemetryOverOTLPAndPrometheus(t *testing.T) {
	bin := buildLocal(t)
	sink := &spanSink{}
	collector := httptest.NewServer(sink)
	defer collector.Close()
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"charged":true}`))
	}))
	defer endpoint.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	_ = ln.Close()
	s := startProcess(t, bin, []string{"STORE=bbolt", "OTEL_EXPORTER_OTLP_ENDPOINT=" + collector.URL, "OTEL_BSP_SCHEDULE_DELAY=50",
		"OTEL_SERVICE_NAME=cloudflow-local-test"}, "-data", t.TempDir(), "-metrics-addr", metricsAddr)

	s.mustCall(t, "CreateFlow", map[string]string{"Name": "orders", "Definition": tracedFlow})
	in, _ := json.Marshal(map[string]string{"url": endpoint.URL})
	s.mustCall(t, "StartExecution", map[string]string{"FlowName": "orders", "ExecutionName": "o1", "Input": string(in)})
	done := s.mustCall(t, "DescribeExecution", map[string]string{"FlowName": "orders", "ExecutionName": "o1", "WaitTimeSeconds": "20"})
	if done["Status"] != "Succeeded" {
		t.Fatalf("execution = %v, want Succeeded", done)
	}

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{
		`cloudflow_executions_started_total{cloudflow_flow_mode="Standard"} 1`,
		`cloudflow_executions_ended_total{cloudflow_execution_status="Succeeded",cloudflow_flow_mode="Standard"} 1`,
		`cloudflow_api_requests_total{cloudflow_action="StartExecution",http_response_status_code="200"} 1`,
		`cloudflow_state_transitions_total{cloudflow_state_type="Pass"} 2`,
		`cloudflow_state_transitions_total{cloudflow_state_type="Task"} 1`,
		`cloudflow_store_duration_seconds_count{cloudflow_store_operation="get"}`,
		"cloudflow_runner_queue_depth 0",
		"cloudflow_executions_parked 0",
		`service_name="cloudflow-local-test"`,
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", page)
	}

	deadline := time.Now().Add(20 * time.Second)
	var spans map[string][]*tracepb.Span
	for {
		spans = sink.byName()
		if len(spans["run orders"]) == 1 && len(spans["state Mail"]) == 1 && len(spans["StartExecution"]) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector got spans %v, want StartExecution, run orders and the state spans", keys(spans))
		}
		time.Sleep(50 * time.Millisecond)
	}
	start, run := spans["StartExecution"][0], spans["run orders"][0]
	parentOf := map[string]*tracepb.Span{"run orders": start, "state Prepare": run, "state Charge": run, "state Notify": run,
		"state Mail": spans["state Notify"][0], "task HTTP:Request": spans["state Charge"][0]}
	for name, parent := range parentOf {
		sp := spans[name][0]
		if string(sp.TraceId) != string(start.TraceId) || string(sp.ParentSpanId) != string(parent.SpanId) {
			t.Errorf("span %q is not a child of %q in the request's trace", name, parent.Name)
		}
	}
	t.Logf("trace of StartExecution o1:\n%s", tree(sink.all(), start.TraceId))
}

func keys(m map[string][]*tracepb.Span) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
