package platform

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cloudflow-oss/cloudflow/shared/telemetry"
)

// A Lambda invocation and an FC request end with a flush of the telemetry,
// after the handler's work, so the host can freeze the process without
// losing spans; a failing flush is logged, not returned.
func TestFlush_AfterEachInvocation(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	// A batching processor holds spans until flushed, as the OTLP one does.
	tel, err := telemetry.New(context.Background(), func(string) string { return "" },
		telemetry.Options{SpanProcessors: []trace.SpanProcessor{trace.NewBatchSpanProcessor(exp, trace.WithBatchTimeout(1<<40))}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	tracer := tel.TracerProvider().Tracer("test")
	work := func(ctx context.Context, _ json.RawMessage) (any, error) {
		_, span := tracer.Start(ctx, "invocation")
		span.End()
		return "ok", nil
	}
	lambdaFn := flushAfter(work, tel.ForceFlush, slog.Default())
	if out, err := lambdaFn(context.Background(), nil); out != "ok" || err != nil {
		t.Fatalf("invocation = %v, %v", out, err)
	}
	if n := len(exp.GetSpans()); n != 1 {
		t.Fatalf("%d spans exported after the Lambda invocation, want 1", n)
	}
	fc := flushEach(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, span := tracer.Start(r.Context(), "request")
		span.End()
	}), tel.ForceFlush, slog.Default())
	fc.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/invoke", nil))
	if n := len(exp.GetSpans()); n != 2 {
		t.Fatalf("%d spans exported after the FC request, want 2", n)
	}

	failing := flushAfter(work, func(context.Context) error { return errors.New("collector down") }, slog.Default())
	if out, err := failing(context.Background(), nil); out != "ok" || err != nil {
		t.Fatalf("invocation with a failing flush = %v, %v; want the handler's answer", out, err)
	}
}
