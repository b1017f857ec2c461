package telemetry

import "go.opentelemetry.io/otel/metric"

// ScopeName is the instrumentation scope of every tracer and meter of the
// service.
const ScopeName = "github.com/cloudflow-oss/cloudflow"

// Span names. A request span is named after its Action (SpanRequest when
// the Action is not one the endpoint serves); the others are the prefix, a
// space and the flow name, state name or Task action.
const (
	SpanRequest = "CloudFlow" // API request whose Action is not served (kind server)
	SpanRun     = "run"       // "run <flow>": a run slice of a Standard execution, or a StartSyncExecution run
	SpanState   = "state"     // "state <state>": one attempt of a state
	SpanTask    = "task"      // "task <action>": one Task call (kind client)
)

// Attribute keys of spans and metrics.
const (
	AttrAction         = "cloudflow.action"           // API Action
	AttrAccount        = "cloudflow.account"          // caller's account (request), execution's (run)
	AttrRequestID      = "cloudflow.request_id"       // the response's RequestId
	AttrFlow           = "cloudflow.flow.name"        // FlowName
	AttrExecution      = "cloudflow.execution.name"   // execution name (ExecutionName)
	AttrName           = "cloudflow.name"             // a request's Name parameter (a flow, alias or execution name)
	AttrMode           = "cloudflow.flow.mode"        // Standard or Express
	AttrStatus         = "cloudflow.execution.status" // execution status at the end of a run slice
	AttrResumed        = "cloudflow.run.resumed"      // the slice resumed from a checkpoint
	AttrParked         = "cloudflow.run.parked"       // the slice ended parked (waiting a callback or timer)
	AttrState          = "cloudflow.state.name"
	AttrStateType      = "cloudflow.state.type"
	AttrRetryCount     = "cloudflow.state.retry_count"
	AttrSuspended      = "cloudflow.state.suspended" // a callback Task now waits
	AttrTaskAction     = "cloudflow.task.action"
	AttrTaskMode       = "cloudflow.task.mode"
	AttrStoreOperation = "cloudflow.store.operation" // get, get_many, put_if_absent, compare_and_swap, delete, list, apply
	AttrHTTPMethod     = "http.request.method"
	AttrHTTPStatus     = "http.response.status_code"
	AttrErrorType      = "error.type" // API error code, state or task error name, store error
)

// Metric instrument names, units and descriptions.
const (
	MetricRequests        = "cloudflow.api.requests"
	MetricRequestDuration = "cloudflow.api.request.duration"
	MetricStarted         = "cloudflow.executions.started"
	MetricEnded           = "cloudflow.executions.ended"
	MetricParked          = "cloudflow.executions.parked"
	MetricTransitions     = "cloudflow.state.transitions"
	MetricQueueDepth      = "cloudflow.runner.queue.depth"
	MetricRunning         = "cloudflow.runner.running"
	MetricStoreDuration   = "cloudflow.store.duration"
)

// Metric is one row of the table of instruments the service records.
type Metric struct {
	Name, Unit, Kind, Description string
	Attributes                    []string
}

// Metrics is the table of instruments, in documentation order (the README
// lists them; a test keeps both equal).
var Metrics = []Metric{
	{MetricRequests, "{request}", "counter", "API requests answered.", []string{AttrAction, AttrHTTPStatus, AttrErrorType}},
	{MetricRequestDuration, "s", "histogram", "Time to answer an API request.", []string{AttrAction, AttrHTTPStatus, AttrErrorType}},
	{MetricStarted, "{execution}", "counter", "Executions started (StartExecution, StartSyncExecution, FNF:StartExecution).", []string{AttrMode}},
	{MetricEnded, "{execution}", "counter", "Executions ended.", []string{AttrMode, AttrStatus}},
	{MetricParked, "{execution}", "gauge", "Standard executions parked by this process, waiting for a callback, a Wait or a Task timeout.", nil},
	{MetricTransitions, "{transition}", "counter", "State attempts begun.", []string{AttrStateType}},
	{MetricQueueDepth, "{execution}", "gauge", "Standard executions waiting in the in-process runner's queue for a worker.", nil},
	{MetricRunning, "{execution}", "gauge", "Run slices the in-process runner is running.", nil},
	{MetricStoreDuration, "s", "histogram", "Latency of one key-value store call.", []string{AttrStoreOperation, AttrErrorType}},
}

// Spans is the table of spans, in documentation order: name, kind, parent
// and attributes.
var Spans = []struct {
	Name, Kind, Parent string
	Attributes         []string
}{
	{"<Action>", "server", "the caller's span (W3C traceparent header)", []string{AttrAction, AttrAccount, AttrRequestID, AttrFlow, AttrExecution, AttrName, AttrHTTPMethod, AttrHTTPStatus, AttrErrorType}},
	{SpanRun + " <flow>", "internal", "the StartExecution request (the execution record keeps its trace context)", []string{AttrAccount, AttrFlow, AttrExecution, AttrMode, AttrResumed, AttrStatus, AttrParked, AttrErrorType}},
	{SpanState + " <state>", "internal", "the run slice, or the Parallel/Map state that runs it", []string{AttrExecution, AttrState, AttrStateType, AttrRetryCount, AttrSuspended, AttrErrorType}},
	{SpanTask + " <action>", "client", "the Task state", []string{AttrExecution, AttrState, AttrTaskAction, AttrTaskMode, AttrErrorType}},
}

// Bucket boundaries of the duration histograms, in seconds.
var (
	// RequestBuckets are the bucket boundaries of MetricRequestDuration.
	RequestBuckets = metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
	storeBuckets   = metric.WithExplicitBucketBoundaries(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5)
)
