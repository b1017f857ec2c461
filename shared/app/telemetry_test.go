package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
)

// tracedFlow calls an HTTP endpoint, then waits for a callback, then runs
// a Parallel: one run slice before the callback, one after.
const tracedFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Fetch
States:
  - Name: Fetch
    Type: Task
    Action: HTTP:Request
    Parameters: {url.$: $Input.url, method: GET}
    OutputConstructor: {url.$: $Input.url}
    Next: Approve
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Parameters: {url.$: $Input.url, method: POST}
    Next: Fan
  - Name: Fan
    Type: Parallel
    Branches:
      - StartAt: Inner
        States: [{Name: Inner, Type: Pass, End: true}]
    End: true
`

// telemetryApp is an App on a bbolt store whose telemetry records into
// an in-memory span recorder and a manual metric reader.
func telemetryApp(t *testing.T) (*App, *tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.New(context.Background(), func(string) string { return "" },
		telemetry.Options{SpanProcessors: []sdktrace.SpanProcessor{rec}, Readers: []sdkmetric.Reader{reader}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	a, err := New(Config{Store: StoreBolt, DataDir: t.TempDir(), Telemetry: tel})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a, rec, reader
}

// metricValue returns the value of the named int64 sum or gauge point
// whose attributes include want (an empty want: the sum of all points).
func metricValue(t *testing.T, r *sdkmetric.ManualReader, name string, want ...attribute.KeyValue) (int64, bool) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var total int64
	found := false
	match := func(s attribute.Set) bool {
		for _, kv := range want {
			if v, ok := s.Value(kv.Key); !ok || v != kv.Value {
				return false
			}
		}
		return true
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					if match(dp.Attributes) {
						total, found = total+dp.Value, true
					}
				}
			case metricdata.Gauge[int64]:
				for _, dp := range d.DataPoints {
					if match(dp.Attributes) {
						total, found = total+dp.Value, true
					}
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					if match(dp.Attributes) {
						total, found = total+int64(dp.Count), true
					}
				}
			}
		}
	}
	return total, found
}

func attrOf(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

// TestApp_Telemetry_TraceAcrossTheAsyncHop runs a Standard execution that
// parks on a callback and resumes: the StartExecution request span is the
// parent of both run slices (through the trace context in the record),
// states hang under their run slice or their Parallel, Task calls under
// their state; the metrics count what happened.
func TestApp_Telemetry_TraceAcrossTheAsyncHop(t *testing.T) {
	a, rec, reader := telemetryApp(t)
	tokens := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.Header.Get("X-FnF-Http-Callback-Task-Token"); tok != "" {
			tokens <- tok
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "traced", "Definition": define("traced", tracedFlow)})
	in, _ := json.Marshal(map[string]string{"url": srv.URL})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "traced", "ExecutionName": "e1", "Input": string(in)})
	var tok string
	select {
	case tok = <-tokens:
	case <-time.After(10 * time.Second):
		t.Fatal("the callback endpoint was not called")
	}
	// Parked: the run slice has persisted the wait and returned.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n, _ := metricValue(t, reader, telemetry.MetricParked); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached 1 while the execution waits", telemetry.MetricParked)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		code, body := call(t, a.Handler, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `{"ok":true}`})
		if code == 200 {
			break
		}
		if code != 409 || time.Now().After(deadline) {
			t.Fatalf("ReportTaskSucceeded = %d %v", code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	done := mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "traced", "ExecutionName": "e1", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" {
		t.Fatalf("execution = %v, want Succeeded", done)
	}
	// The second run slice's span ends just after the record is written.
	var spans []sdktrace.ReadOnlySpan
	for {
		spans = rec.Ended()
		runs := 0
		for _, s := range spans {
			if s.Name() == "run traced" {
				runs++
			}
		}
		if runs == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d run spans ended, want 2", runs)
		}
		time.Sleep(10 * time.Millisecond)
	}

	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	one := func(name string) sdktrace.ReadOnlySpan {
		t.Helper()
		if len(byName[name]) != 1 {
			t.Fatalf("%d spans named %q, want 1 (all: %v)", len(byName[name]), name, names(spans))
		}
		return byName[name][0]
	}
	start := one("StartExecution")
	if start.SpanKind() != trace.SpanKindServer || attrOf(start, telemetry.AttrAction).AsString() != "StartExecution" ||
		attrOf(start, telemetry.AttrFlow).AsString() != "traced" || attrOf(start, telemetry.AttrExecution).AsString() != "e1" ||
		attrOf(start, telemetry.AttrHTTPStatus).AsInt64() != 200 || attrOf(start, telemetry.AttrRequestID).AsString() == "" ||
		attrOf(start, telemetry.AttrAccount).AsString() == "" {
		t.Errorf("StartExecution span: kind %v, attributes %v", start.SpanKind(), start.Attributes())
	}
	childOf := func(child, parent sdktrace.ReadOnlySpan) {
		t.Helper()
		if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.SpanContext().TraceID() != parent.SpanContext().TraceID() {
			t.Errorf("span %q: parent %v, want %q (%v)", child.Name(), child.Parent().SpanID(), parent.Name(), parent.SpanContext().SpanID())
		}
	}
	runs := byName["run traced"]
	if attrOf(runs[0], telemetry.AttrResumed).AsBool() {
		runs[0], runs[1] = runs[1], runs[0]
	}
	first, second := runs[0], runs[1]
	childOf(first, start)
	childOf(second, start)
	if attrOf(first, telemetry.AttrParked).AsBool() != true || attrOf(first, telemetry.AttrStatus).AsString() != "Running" {
		t.Errorf("first run slice attributes %v, want parked, Running", first.Attributes())
	}
	if attrOf(second, telemetry.AttrResumed).AsBool() != true || attrOf(second, telemetry.AttrStatus).AsString() != "Succeeded" ||
		attrOf(second, telemetry.AttrParked).AsBool() {
		t.Errorf("second run slice attributes %v, want resumed, Succeeded, not parked", second.Attributes())
	}
	fetch, approve, fan, inner := one("state Fetch"), one("state Approve"), one("state Fan"), one("state Inner")
	childOf(fetch, first)
	childOf(approve, first)
	childOf(fan, second)
	childOf(inner, fan)
	if !attrOf(approve, telemetry.AttrSuspended).AsBool() || attrOf(fan, telemetry.AttrStateType).AsString() != "Parallel" {
		t.Errorf("Approve %v (want suspended), Fan %v (want type Parallel)", approve.Attributes(), fan.Attributes())
	}
	tasks := byName["task HTTP:Request"]
	if len(tasks) != 2 {
		t.Fatalf("%d task spans, want 2", len(tasks))
	}
	if tasks[0].Parent().SpanID() == approve.SpanContext().SpanID() {
		tasks[0], tasks[1] = tasks[1], tasks[0]
	}
	childOf(tasks[0], fetch)
	childOf(tasks[1], approve)
	if tasks[0].SpanKind() != trace.SpanKindClient || attrOf(tasks[1], telemetry.AttrTaskMode).AsString() != "WaitForCustomCallback" {
		t.Errorf("task spans: kind %v, Approve's attributes %v", tasks[0].SpanKind(), tasks[1].Attributes())
	}
	report := one("ReportTaskSucceeded")
	if report.SpanContext().TraceID() == start.SpanContext().TraceID() {
		t.Errorf("the report request joined the execution's trace; it is its own")
	}

	for _, tc := range []struct {
		name string
		want int64
		attr []attribute.KeyValue
	}{
		{telemetry.MetricRequests, 1, []attribute.KeyValue{attribute.String(telemetry.AttrAction, "StartExecution"), attribute.Int(telemetry.AttrHTTPStatus, 200)}},
		{telemetry.MetricRequestDuration, 1, []attribute.KeyValue{attribute.String(telemetry.AttrAction, "CreateFlow")}},
		{telemetry.MetricStarted, 1, []attribute.KeyValue{attribute.String(telemetry.AttrMode, "Standard")}},
		{telemetry.MetricEnded, 1, []attribute.KeyValue{attribute.String(telemetry.AttrMode, "Standard"), attribute.String(telemetry.AttrStatus, "Succeeded")}},
		{telemetry.MetricTransitions, 2, []attribute.KeyValue{attribute.String(telemetry.AttrStateType, "Task")}},
		{telemetry.MetricTransitions, 1, []attribute.KeyValue{attribute.String(telemetry.AttrStateType, "Parallel")}},
		{telemetry.MetricTransitions, 1, []attribute.KeyValue{attribute.String(telemetry.AttrStateType, "Pass")}},
		{telemetry.MetricParked, 0, nil},
		{telemetry.MetricQueueDepth, 0, nil},
	} {
		got, ok := metricValue(t, reader, tc.name, tc.attr...)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %d (found %v), want %d", tc.name, tc.attr, got, ok, tc.want)
		}
	}
	// A run's record writes are compare-and-swaps, or Applies where they
	// also move index entries or create history chunks.
	cas, _ := metricValue(t, reader, telemetry.MetricStoreDuration, attribute.String(telemetry.AttrStoreOperation, "compare_and_swap"))
	applies, _ := metricValue(t, reader, telemetry.MetricStoreDuration, attribute.String(telemetry.AttrStoreOperation, "apply"))
	if cas+applies < 3 {
		t.Errorf("%s{compare_and_swap} + {apply} counted %d + %d calls, want at least 3", telemetry.MetricStoreDuration, cas, applies)
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

// TestApp_Telemetry_Express traces a StartSyncExecution: request, run and
// state spans in one tree; an unknown Action is counted as "other".
func TestApp_Telemetry_Express(t *testing.T) {
	a, rec, reader := telemetryApp(t)
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "exp", "Definition": define("exp", passFlow), "ExecutionMode": "Express"})
	mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "exp", "ExecutionName": "x1", "Input": `{"name":"n"}`})
	if code, _ := call(t, a.Handler, "NoSuchAction", nil); code != http.StatusBadRequest {
		t.Fatalf("NoSuchAction = %d, want 400", code)
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		byName[s.Name()] = s
	}
	req, run, state := byName["StartSyncExecution"], byName["run exp"], byName["state Greet"]
	if req == nil || run == nil || state == nil {
		t.Fatalf("spans %v, want StartSyncExecution, run exp, state Greet", names(rec.Ended()))
	}
	if run.Parent().SpanID() != req.SpanContext().SpanID() || state.Parent().SpanID() != run.SpanContext().SpanID() {
		t.Errorf("tree: run's parent %v (want request %v), state's parent %v (want run %v)",
			run.Parent().SpanID(), req.SpanContext().SpanID(), state.Parent().SpanID(), run.SpanContext().SpanID())
	}
	if got := attrOf(run, telemetry.AttrStatus).AsString(); got != "Succeeded" {
		t.Errorf("run status = %q, want Succeeded", got)
	}
	if other := byName[telemetry.SpanRequest]; other == nil || attrOf(other, telemetry.AttrErrorType).AsString() == "" {
		t.Errorf("the unknown Action's span is missing or has no error.type: %v", names(rec.Ended()))
	}
	if n, _ := metricValue(t, reader, telemetry.MetricRequests, attribute.String(telemetry.AttrAction, "other")); n != 1 {
		t.Errorf("requests{action=other} = %d, want 1", n)
	}
	if n, _ := metricValue(t, reader, telemetry.MetricEnded, attribute.String(telemetry.AttrMode, "Express"), attribute.String(telemetry.AttrStatus, "Succeeded")); n != 1 {
		t.Errorf("ended{Express, Succeeded} = %d, want 1", n)
	}
}
