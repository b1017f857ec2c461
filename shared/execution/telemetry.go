package execution

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
)

// instruments are the service's tracer and meters (Options.TracerProvider,
// Options.MeterProvider); no-op ones unless telemetry is on.
type instruments struct {
	tracer            trace.Tracer
	started, ended    metric.Int64Counter
	tracing, metering bool // the providers were given: off costs nothing
}

// traceCarrier propagates an execution's trace context in its record
// (Execution.TraceParent) as a W3C traceparent.
var traceCarrier = propagation.TraceContext{}

func newInstruments(s *Service) instruments {
	tp, mp := s.opts.TracerProvider, s.opts.MeterProvider
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	meter := mp.Meter(telemetry.ScopeName)
	in := instruments{tracer: tp.Tracer(telemetry.ScopeName), tracing: s.opts.TracerProvider != nil, metering: s.opts.MeterProvider != nil}
	// Errors come only from invalid names, which these are not; a nil
	// instrument would be replaced by the no-op one.
	var err error
	if in.started, err = meter.Int64Counter(telemetry.MetricStarted, metric.WithUnit("{execution}"), metric.WithDescription(telemetry.Describe(telemetry.MetricStarted))); err != nil {
		in.started, _ = metricnoop.Meter{}.Int64Counter("")
	}
	if in.ended, err = meter.Int64Counter(telemetry.MetricEnded, metric.WithUnit("{execution}"), metric.WithDescription(telemetry.Describe(telemetry.MetricEnded))); err != nil {
		in.ended, _ = metricnoop.Meter{}.Int64Counter("")
	}
	_, _ = meter.Int64ObservableGauge(telemetry.MetricParked, metric.WithUnit("{execution}"), metric.WithDescription(telemetry.Describe(telemetry.MetricParked)),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(s.timers.count()))
			return nil
		}))
	if p := s.pool; p != nil {
		_, _ = meter.Int64ObservableGauge(telemetry.MetricQueueDepth, metric.WithUnit("{execution}"), metric.WithDescription(telemetry.Describe(telemetry.MetricQueueDepth)),
			metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
				o.Observe(int64(p.Queued()))
				return nil
			}))
		_, _ = meter.Int64ObservableGauge(telemetry.MetricRunning, metric.WithUnit("{execution}"), metric.WithDescription(telemetry.Describe(telemetry.MetricRunning)),
			metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
				o.Observe(int64(p.Running()))
				return nil
			}))
	}
	return in
}

// traceParent returns the W3C traceparent of ctx's span, "" when there is
// no recording span (telemetry off).
func traceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	traceCarrier.Inject(ctx, c)
	return c.Get("traceparent")
}

func modeAttr(e *Execution) attribute.KeyValue {
	return attribute.String(telemetry.AttrMode, string(e.FlowMode))
}

// countStart counts a started execution.
func (s *Service) countStart(ctx context.Context, e *Execution) {
	if !s.inst.metering {
		return
	}
	s.inst.started.Add(ctx, 1, metric.WithAttributes(modeAttr(e)))
}

// countEnd counts an ended execution.
func (s *Service) countEnd(ctx context.Context, e *Execution) {
	if !s.inst.metering {
		return
	}
	s.inst.ended.Add(ctx, 1, metric.WithAttributes(modeAttr(e), attribute.String(telemetry.AttrStatus, string(e.Status))))
}

// startRunSpan starts the span of a run slice of e (or of a
// StartSyncExecution run, under ctx's span). A stored execution's slices
// are children of the request that started it, whose trace context the
// record keeps.
func (s *Service) startRunSpan(ctx context.Context, e *Execution) (context.Context, trace.Span) {
	if !s.inst.tracing {
		return ctx, trace.SpanFromContext(context.Background()) // a no-op span
	}
	parent := ctx
	if e.TraceParent != "" {
		parent = traceCarrier.Extract(ctx, propagation.MapCarrier{"traceparent": e.TraceParent})
	}
	return s.inst.tracer.Start(parent, telemetry.SpanRun+" "+e.FlowName, trace.WithAttributes(
		attribute.String(telemetry.AttrAccount, e.Account),
		attribute.String(telemetry.AttrFlow, e.FlowName),
		attribute.String(telemetry.AttrExecution, e.Name),
		modeAttr(e),
		attribute.Bool(telemetry.AttrResumed, e.Checkpoint != nil)))
}

// endRunSpan ends a run slice's span with the record's status after it.
func endRunSpan(span trace.Span, e *Execution, parked bool) {
	if span.IsRecording() {
		span.SetAttributes(attribute.String(telemetry.AttrStatus, string(e.Status)), attribute.Bool(telemetry.AttrParked, parked))
		if e.Error != "" && e.Status != Succeeded {
			span.SetAttributes(attribute.String(telemetry.AttrErrorType, e.Error))
			span.SetStatus(codes.Error, e.Error)
		}
	}
	span.End()
}
