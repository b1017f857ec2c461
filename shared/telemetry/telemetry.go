package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// The standard OpenTelemetry variables New decides by. The exporters and
// the SDK read the others themselves (OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER,
// OTEL_BSP_*, OTEL_METRIC_EXPORT_INTERVAL, ...).
const (
	EnvSDKDisabled     = "OTEL_SDK_DISABLED"
	EnvTracesExporter  = "OTEL_TRACES_EXPORTER"
	EnvMetricsExporter = "OTEL_METRICS_EXPORTER"
	EnvEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	EnvProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	EnvMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
)

// Exporter values of OTEL_TRACES_EXPORTER and OTEL_METRICS_EXPORTER, and
// the one OTLP protocol built in.
const (
	ExporterOTLP = "otlp"
	ExporterNone = "none"
	ProtocolHTTP = "http/protobuf"
)

// DefaultServiceName is the service.name resource attribute unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names another.
const DefaultServiceName = "cloudflow"

// ErrConfig is the error New returns for an OTEL_* value it cannot act on.
var ErrConfig = errors.New("telemetry configuration")

// Options configures New. Every field is optional.
type Options struct {
	// ServiceVersion is the service.version resource attribute.
	ServiceVersion string
	// Prometheus adds a metric reader collected by MetricsHandler, which
	// turns metrics on even when no OTEL_* variable does.
	Prometheus bool
	// SpanProcessors are added to the tracer provider and turn traces on
	// (an in-memory recorder, in tests).
	SpanProcessors []sdktrace.SpanProcessor
	// Readers are added to the meter provider and turn metrics on (a
	// ManualReader, in tests).
	Readers []sdkmetric.Reader
}

// Telemetry holds the service's tracer and meter providers. The zero value
// and nil are off: no-op providers that record nothing.
type Telemetry struct {
	tp   *sdktrace.TracerProvider // nil: traces off
	mp   *sdkmetric.MeterProvider // nil: metrics off
	prom *sdkmetric.ManualReader  // nil: no /metrics
}

// New builds the providers the OTEL_* variables ask for, read through
// getenv (os.Getenv in main). With none of them set (and no Options asking
// for a reader or processor) everything is off and costs nothing. Traces
// are exported over OTLP/HTTP when OTEL_TRACES_EXPORTER is otlp, or when
// it is unset and an OTLP endpoint variable (the general one or the
// traces one) is set; metrics likewise with OTEL_METRICS_EXPORTER.
// OTEL_SDK_DISABLED=true turns both off. It returns an error wrapping
// ErrConfig for an exporter or protocol other than otlp, none and
// http/protobuf.
func New(ctx context.Context, getenv func(string) string, opts Options) (*Telemetry, error) {
	if strings.EqualFold(strings.TrimSpace(getenv(EnvSDKDisabled)), "true") {
		return &Telemetry{}, nil
	}
	traces, err := signalOn(getenv, EnvTracesExporter, EnvTracesEndpoint, EnvTracesProtocol)
	if err != nil {
		return nil, err
	}
	metrics, err := signalOn(getenv, EnvMetricsExporter, EnvMetricsEndpoint, EnvMetricsProtocol)
	if err != nil {
		return nil, err
	}
	t := &Telemetry{}
	if !traces && !metrics && !opts.Prometheus && len(opts.SpanProcessors) == 0 && len(opts.Readers) == 0 {
		return t, nil
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", DefaultServiceName), attribute.String("service.version", opts.ServiceVersion)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("%w: resource: %w", ErrConfig, err)
	}
	if traces || len(opts.SpanProcessors) > 0 {
		topts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
		if traces {
			c, err := newOTLPClient(getenv, "TRACES", "/v1/traces")
			if err != nil {
				return nil, err
			}
			exp, err := otlptrace.New(ctx, traceClient{c})
			if err != nil {
				return nil, fmt.Errorf("%w: OTLP trace exporter: %w", ErrConfig, err)
			}
			topts = append(topts, sdktrace.WithBatcher(exp))
		}
		for _, sp := range opts.SpanProcessors {
			topts = append(topts, sdktrace.WithSpanProcessor(sp))
		}
		t.tp = sdktrace.NewTracerProvider(topts...)
	}
	if metrics || opts.Prometheus || len(opts.Readers) > 0 {
		mopts := []sdkmetric.Option{sdkmetric.WithResource(res)}
		if metrics {
			c, err := newOTLPClient(getenv, "METRICS", "/v1/metrics")
			if err != nil {
				_ = t.Shutdown(ctx)
				return nil, err
			}
			mopts = append(mopts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(metricExporter{c})))
		}
		if opts.Prometheus {
			t.prom = sdkmetric.NewManualReader()
			mopts = append(mopts, sdkmetric.WithReader(t.prom))
		}
		for _, r := range opts.Readers {
			mopts = append(mopts, sdkmetric.WithReader(r))
		}
		t.mp = sdkmetric.NewMeterProvider(mopts...)
	}
	return t, nil
}

// signalOn reports whether a signal is exported over OTLP: its exporter
// variable says otlp, or is unset while an OTLP endpoint is set.
func signalOn(getenv func(string) string, exporterVar, endpointVar, protocolVar string) (bool, error) {
	on := false
	switch exp := strings.TrimSpace(getenv(exporterVar)); exp {
	case "":
		on = strings.TrimSpace(getenv(EnvEndpoint)) != "" || strings.TrimSpace(getenv(endpointVar)) != ""
	default:
		for _, e := range strings.Split(exp, ",") {
			switch strings.TrimSpace(e) {
			case ExporterOTLP:
				on = true
			case ExporterNone:
			default:
				return false, fmt.Errorf("%w: %s=%q: want %s or %s", ErrConfig, exporterVar, exp, ExporterOTLP, ExporterNone)
			}
		}
	}
	if !on {
		return false, nil
	}
	for _, name := range []string{EnvProtocol, protocolVar} {
		if p := strings.TrimSpace(getenv(name)); p != "" && p != ProtocolHTTP {
			return false, fmt.Errorf("%w: %s=%q: only %s is built in", ErrConfig, name, p, ProtocolHTTP)
		}
	}
	return true, nil
}

// TracerProvider returns the tracer provider: the SDK's when traces are on,
// a no-op one otherwise.
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil || t.tp == nil {
		return tracenoop.NewTracerProvider()
	}
	return t.tp
}

// MeterProvider returns the meter provider: the SDK's when metrics are on,
// a no-op one otherwise.
func (t *Telemetry) MeterProvider() metric.MeterProvider {
	if t == nil || t.mp == nil {
		return metricnoop.NewMeterProvider()
	}
	return t.mp
}

// Tracing reports whether traces are recorded.
func (t *Telemetry) Tracing() bool { return t != nil && t.tp != nil }

// Metering reports whether metrics are recorded.
func (t *Telemetry) Metering() bool { return t != nil && t.mp != nil }

// MetricsHandler returns the handler that serves the metrics in the
// Prometheus text format, or nil unless Options.Prometheus was set.
func (t *Telemetry) MetricsHandler() http.Handler {
	if t == nil || t.prom == nil {
		return nil
	}
	return &promHandler{reader: t.prom}
}

// ForceFlush exports the spans and metrics recorded so far. A function
// host calls it at the end of each invocation, before the host freezes the
// process. It does nothing when telemetry is off.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.ForceFlush(ctx))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.ForceFlush(ctx))
	}
	return errors.Join(errs...)
}

// Shutdown flushes and stops the providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.Shutdown(ctx))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
