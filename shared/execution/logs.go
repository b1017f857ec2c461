package execution

import (
	"context"
	"log/slog"
	"time"
)

// Lifecycle log lines (Options.Logger, at INFO): one when an execution
// starts, when it parks waiting for a callback or a timer, when a runner
// resumes it from a checkpoint, and when it ends. They name the account,
// flow and execution, never the Input or Output. The same points feed the
// execution metrics (telemetry.go).
const (
	logStarted = "execution started"
	logParked  = "execution parked"
	logResumed = "execution resumed"
	logEnded   = "execution ended"
)

// maxLoggedCause bounds the Cause an end line carries.
const maxLoggedCause = 256

func (s *Service) logger() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return slog.Default()
}

func execAttrs(e *Execution) []any {
	return []any{"account", e.Account, "flow", e.FlowName, "execution", e.Name, "mode", string(e.FlowMode)}
}

func (s *Service) logStart(ctx context.Context, e *Execution) {
	s.countStart(ctx, e)
	s.logger().InfoContext(ctx, logStarted, append(execAttrs(e), "status", string(e.Status), "flowVersion", e.FlowVersion)...)
}

func (s *Service) logPark(ctx context.Context, e *Execution, until time.Time) {
	attrs := execAttrs(e)
	if !until.IsZero() {
		attrs = append(attrs, "until", until.UTC().Format(time.RFC3339Nano))
	}
	s.logger().InfoContext(ctx, logParked, attrs...)
}

func (s *Service) logResume(ctx context.Context, e *Execution) {
	s.logger().InfoContext(ctx, logResumed, execAttrs(e)...)
}

func (s *Service) logEnd(ctx context.Context, e *Execution) {
	s.countEnd(ctx, e)
	attrs := append(execAttrs(e), "status", string(e.Status),
		"durationMs", e.StoppedTime.Sub(e.StartedTime).Milliseconds())
	if e.Error != "" || e.Cause != "" {
		cause := e.Cause
		if len(cause) > maxLoggedCause {
			cause = cause[:maxLoggedCause] + "..."
		}
		attrs = append(attrs, "error", e.Error, "cause", cause)
	}
	s.logger().InfoContext(ctx, logEnded, attrs...)
}
