package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// DefaultLocalAddr is where a single-operation binary serves locally.
const DefaultLocalAddr = "127.0.0.1:8080"

// shutdownGrace is how long a stopping server waits for requests in flight (a DescribeExecution
// long poll may take up to 60 s; it is cut short rather than waited for).
const shutdownGrace = 5 * time.Second

// Service is what every host serves: the CloudFlow API and the asynchronous event function.
type Service struct {
	// API serves the CloudFlow RPC protocol on path "/".
	API http.Handler
	// OnEvent handles asynchronous events; nil rejects them with ErrNoEventFunc.
	OnEvent EventFunc
}

// Options configures Serve. The zero value serves locally on DefaultLocalAddr and on FC port
// DefaultFCPort without a deadline.
type Options struct {
	// Addr is the local listen address; empty means DefaultLocalAddr.
	Addr string
	// FCPort is the custom runtime's port (FC_CUSTOM_LISTEN_PORT); empty means DefaultFCPort.
	// The server binds 0.0.0.0, since FC cannot reach a loopback listener.
	FCPort string
	// FC configures the Function Compute adapter (timeout, margin, log lines).
	FC FCOptions
	// Logger receives start and stop messages. Nil means slog.Default().
	Logger *slog.Logger
	// OnSIGTERM runs when Lambda announces shutdown with SIGTERM (to release the store).
	OnSIGTERM func()
	// Ready, if set, is called with the listener's address once an HTTP host accepts requests.
	Ready func(net.Addr)
	// Limits bound the connections of the HTTP hosts (Local, FC): read, write and idle
	// timeouts, header size and the connection cap. Zero fields take app's defaults. On FC
	// the write timeout is raised to the function timeout (FC.Timeout) plus a margin, since
	// a run event may take that long; without a known function timeout it is off there.
	Limits app.ServerLimits
	// Flush, when set, runs after every Lambda invocation and every FC request, before the
	// host may freeze the process: main passes the telemetry's ForceFlush when telemetry is
	// on. Nil adds nothing to an invocation.
	Flush func(context.Context) error
}

// Serve runs svc on host until ctx is done (Local, FC) or forever (Lambda, where
// lambda.StartWithOptions takes over the process).
//
// For FC and Local it returns nil after a graceful shutdown, or the listen or serve error.
func Serve(ctx context.Context, host Host, svc Service, opts Options) error {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	switch host {
	case Lambda:
		lopts := []lambda.Option{lambda.WithContext(ctx)}
		if opts.OnSIGTERM != nil {
			lopts = append(lopts, lambda.WithEnableSIGTERM(opts.OnSIGTERM))
		}
		lambda.StartWithOptions(flushAfter(logFailures(LambdaHandler(svc.API, svc.OnEvent), logger), opts.Flush, logger), lopts...)
		return nil // not reached: the runtime loop never returns
	case FC:
		port := opts.FCPort
		if port == "" {
			port = DefaultFCPort
		}
		fcOpts := opts.FC
		if fcOpts.Logger == nil {
			fcOpts.Logger = logger
		}
		limits := opts.Limits.WithDefaults()
		limits.WriteTimeout = fcWriteTimeout(limits.WriteTimeout, fcOpts.Timeout)
		return serveHTTP(ctx, net.JoinHostPort("0.0.0.0", port), flushEach(FCHandler(svc.API, svc.OnEvent, fcOpts), opts.Flush, logger), limits, logger, opts.Ready)
	case Local:
		addr := opts.Addr
		if addr == "" {
			addr = DefaultLocalAddr
		}
		return serveHTTP(ctx, addr, svc.API, opts.Limits, logger, opts.Ready)
	default:
		return fmt.Errorf("serve: unknown host %q", host)
	}
}

// logFailures logs an invocation's error at ERROR with its cause before the Lambda runtime
// reports it (the runtime itself only names the error's Go type).
func logFailures(h func(context.Context, json.RawMessage) (any, error), logger *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		out, err := h(ctx, raw)
		if err != nil {
			attrs := []any{"err", err.Error()}
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				attrs = append(attrs, "requestId", lc.AwsRequestID)
			}
			logger.ErrorContext(ctx, "invocation failed", attrs...)
		}
		return out, err
	}
}

// flushTimeout bounds one flush at the end of an invocation.
const flushTimeout = 5 * time.Second

// flushAfter runs flush after each invocation of h; with flush nil it returns h.
func flushAfter(h func(context.Context, json.RawMessage) (any, error), flush func(context.Context) error, logger *slog.Logger) func(context.Context, json.RawMessage) (any, error) {
	if flush == nil {
		return h
	}
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		out, err := h(ctx, raw)
		runFlush(ctx, flush, logger)
		return out, err
	}
}

// flushEach runs flush after each request h serves; with flush nil it returns h.
func flushEach(h http.Handler, flush func(context.Context) error, logger *slog.Logger) http.Handler {
	if flush == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		runFlush(r.Context(), flush, logger)
	})
}

func runFlush(ctx context.Context, flush func(context.Context) error, logger *slog.Logger) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if err := flush(fctx); err != nil {
		logger.WarnContext(ctx, "telemetry flush", "err", err)
	}
}

// fcWriteTimeout is the write timeout on FC: a run event (/invoke) may run until the function
// timeout, so the timeout is that plus a margin, or off when the function timeout is unknown.
func fcWriteTimeout(configured, function time.Duration) time.Duration {
	if function <= 0 {
		return -1 // none
	}
	return max(configured, function+fcWriteMargin)
}

// fcWriteMargin is added to the function timeout for the FC write timeout.
const fcWriteMargin = 10 * time.Second

// serveHTTP listens on addr and serves h within limits until ctx is done, then shuts down
// gracefully.
func serveHTTP(ctx context.Context, addr string, h http.Handler, limits app.ServerLimits, logger *slog.Logger, ready func(net.Addr)) error {
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return serveListener(ctx, raw, h, limits, logger, ready)
}

// serveListener is serveHTTP on a listener already open.
func serveListener(ctx context.Context, raw net.Listener, h http.Handler, limits app.ServerLimits, logger *slog.Logger, ready func(net.Addr)) error {
	limits = limits.WithDefaults()
	addr := raw.Addr().String()
	ln := newCapListener(raw, limits.MaxConns)
	srv := newServer(h, limits)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	logger.Info("serving", "addr", ln.Addr().String(), "maxConns", limits.MaxConns,
		"readTimeout", limits.ReadTimeout.String(), "writeTimeout", limits.WriteTimeout.String(),
		"idleTimeout", limits.IdleTimeout.String())
	if ready != nil {
		ready(ln.Addr())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close() // requests still running after the grace period are cut off
	}
	logger.Info("server closed", "addr", ln.Addr().String())
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", addr, err)
	}
	return nil
}
