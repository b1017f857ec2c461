package api

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
)

// otherAction is the action attribute of a request whose Action is not
// served, so that clients cannot mint metric series.
const otherAction = "other"

// instruments trace and count requests (Options.TracerProvider,
// Options.MeterProvider); nil fields are off and cost nothing.
type instruments struct {
	tracer   trace.Tracer
	requests metric.Int64Counter
	duration metric.Float64Histogram
}

func newInstruments(opts Options) instruments {
	var in instruments
	if opts.TracerProvider != nil {
		in.tracer = opts.TracerProvider.Tracer(telemetry.ScopeName)
	}
	if opts.MeterProvider != nil {
		m := opts.MeterProvider.Meter(telemetry.ScopeName)
		c, err1 := m.Int64Counter(telemetry.MetricRequests, metric.WithUnit("{request}"), metric.WithDescription(telemetry.Describe(telemetry.MetricRequests)))
		d, err2 := m.Float64Histogram(telemetry.MetricRequestDuration, metric.WithUnit("s"), metric.WithDescription(telemetry.Describe(telemetry.MetricRequestDuration)), telemetry.RequestBuckets)
		if err1 == nil && err2 == nil {
			in.requests, in.duration = c, d
		}
	}
	return in
}

// startSpan starts the request's server span, a child of the caller's
// trace context (the traceparent header) when there is one.
func (h *Handler) startSpan(r *http.Request) (*http.Request, trace.Span) {
	if h.inst.tracer == nil {
		return r, nil
	}
	ctx := propagation.TraceContext{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := h.inst.tracer.Start(ctx, telemetry.SpanRequest, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String(telemetry.AttrHTTPMethod, shorten(r.Method))))
	return r.WithContext(ctx), span
}

// served returns the metric and span name of an Action: itself when this
// endpoint serves it, otherAction otherwise.
func (h *Handler) servedAction(action string) string {
	if _, ok := h.served[action]; ok {
		return action
	}
	return otherAction
}

// observe ends the request's span and records its metrics.
func (h *Handler) observe(ctx context.Context, span trace.Span, reqID string, a *access, status int, code string, latency time.Duration) {
	action := h.servedAction(a.action)
	if span != nil {
		if action != otherAction {
			span.SetName(action)
		}
		attrs := []attribute.KeyValue{
			attribute.String(telemetry.AttrRequestID, shorten(reqID)),
			attribute.String(telemetry.AttrAction, action),
			attribute.Int(telemetry.AttrHTTPStatus, status),
		}
		for _, kv := range [][2]string{{telemetry.AttrAccount, a.account}, {telemetry.AttrFlow, a.flow}, {telemetry.AttrExecution, a.execution}, {telemetry.AttrName, a.name}, {telemetry.AttrErrorType, code}} {
			if kv[1] != "" {
				attrs = append(attrs, attribute.String(kv[0], kv[1]))
			}
		}
		span.SetAttributes(attrs...)
		if status >= http.StatusInternalServerError {
			span.SetStatus(otelcodes.Error, code)
		}
		span.End()
	}
	if h.inst.requests != nil {
		attrs := []attribute.KeyValue{attribute.String(telemetry.AttrAction, action), attribute.Int(telemetry.AttrHTTPStatus, status)}
		if code != "" {
			attrs = append(attrs, attribute.String(telemetry.AttrErrorType, code))
		}
		set := metric.WithAttributeSet(attribute.NewSet(attrs...))
		ctx = context.WithoutCancel(ctx)
		h.inst.requests.Add(ctx, 1, set)
		h.inst.duration.Record(ctx, latency.Seconds(), set)
	}
}
