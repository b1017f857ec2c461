package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
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
		lambda.StartWithOptions(LambdaHandler(svc.API, svc.OnEvent), lopts...)
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
		return serveHTTP(ctx, net.JoinHostPort("0.0.0.0", port), FCHandler(svc.API, svc.OnEvent, fcOpts), logger, opts.Ready)
	case Local:
		addr := opts.Addr
		if addr == "" {
			addr = DefaultLocalAddr
		}
		return serveHTTP(ctx, addr, svc.API, logger, opts.Ready)
	default:
		return fmt.Errorf("serve: unknown host %q", host)
	}
}

// serveHTTP listens on addr and serves h until ctx is done, then shuts down gracefully.
func serveHTTP(ctx context.Context, addr string, h http.Handler, logger *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("serving", "addr", ln.Addr().String())
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
