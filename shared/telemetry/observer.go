package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// Observer returns the engine's observer (interp.Options.Observer): a span
// per state attempt and per Task call, and MetricTransitions counted by
// state type. It returns nil, which costs the engine nothing, when both
// traces and metrics are off.
func (t *Telemetry) Observer() interp.Observer {
	if !t.Tracing() && !t.Metering() {
		return nil
	}
	o := &observer{tracer: t.TracerProvider().Tracer(ScopeName)}
	var err error
	o.transitions, err = t.MeterProvider().Meter(ScopeName).Int64Counter(MetricTransitions,
		metric.WithUnit("{transition}"), metric.WithDescription(Describe(MetricTransitions)))
	if err != nil {
		return nil
	}
	return o
}

type observer struct {
	tracer      trace.Tracer
	transitions metric.Int64Counter
}

func (o *observer) StateStarted(ctx context.Context, a interp.StateAttempt) context.Context {
	if !a.Resumed { // a resumed Parallel or Map is the same transition
		o.transitions.Add(ctx, 1, metric.WithAttributes(attribute.String(AttrStateType, a.Type)))
	}
	ctx, _ = o.tracer.Start(ctx, SpanState+" "+a.State, trace.WithAttributes(
		attribute.String(AttrExecution, a.Execution),
		attribute.String(AttrState, a.State),
		attribute.String(AttrStateType, a.Type),
		attribute.Int(AttrRetryCount, a.RetryCount)))
	return ctx
}

func (o *observer) StateEnded(ctx context.Context, _ interp.StateAttempt, err *interp.Error, suspended bool) {
	span := trace.SpanFromContext(ctx)
	if suspended {
		span.SetAttributes(attribute.Bool(AttrSuspended, true))
	}
	endWithError(span, err)
}

func (o *observer) TaskStarted(ctx context.Context, call interp.TaskCall) context.Context {
	ctx, _ = o.tracer.Start(ctx, SpanTask+" "+call.Action, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String(AttrExecution, call.Execution),
		attribute.String(AttrState, call.State),
		attribute.String(AttrTaskAction, call.Action),
		attribute.String(AttrTaskMode, string(call.Mode))))
	return ctx
}

func (o *observer) TaskEnded(ctx context.Context, _ interp.TaskCall, err *interp.Error) {
	endWithError(trace.SpanFromContext(ctx), err)
}

// endWithError ends span, marked as failed with err's name when err is set.
func endWithError(span trace.Span, err *interp.Error) {
	if err != nil {
		span.SetAttributes(attribute.String(AttrErrorType, err.Name))
		span.SetStatus(codes.Error, err.Name)
	}
	span.End()
}
