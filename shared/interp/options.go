package interp

import (
	"context"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/eval"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// Default limits (reference 4.3, 4.6, 9.6).
const (
	DefaultMaxPayloadBytes         = 64 << 10  // per state input/output
	DefaultMaxEvents               = 5000      // history events per execution, when recording
	DefaultMaxGlobalKeyBytes       = 128       // per $Global key
	DefaultMaxGlobalValueBytes     = 256 << 10 // per $Global value
	DefaultMaxInlineMapConcurrency = 40        // inline Map iterations in flight
	DefaultMaxInFlight             = 1000      // fan-out goroutines per execution, all nesting levels
)

// Clock is the engine's time source and timer. Tests inject a fake (see
// package interptest) so that waits, retry backoff and Task and flow
// Timeouts take no real time.
type Clock interface {
	Now() time.Time
	// Sleep pauses for d or until ctx is done; it returns ctx.Err() in the
	// latter case.
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeoutCause returns a copy of ctx cancelled with cause once d has
	// passed on this clock, like context.WithTimeoutCause on the real clock.
	// The caller must call the CancelFunc when done.
	WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc)
}

// TaskCall is one Task attempt as the engine hands it to a TaskRunner.
type TaskCall struct {
	Execution  string        // execution name
	State      string        // Task state name
	Action     string        // e.g. FC:InvokeFunction
	Mode       flow.TaskMode // integration mode
	Parameters any           // evaluated Parameters (a map), nil when the Task has none
	Input      any           // the state's $Input
	Timeout    time.Duration // 0 = no limit; the engine also enforces it through ctx, on its Clock
	RetryCount int           // retries done so far for this state entry
	// TaskToken is the attempt's task token in the callback modes
	// (WaitForCustomCallback, WaitForSystemCallback), "" otherwise. The
	// runner sends the request and returns; the task then waits for
	// Machine.Complete or Machine.Fail with this token.
	TaskToken string
}

// TaskRunner runs Task states. Invoke returns the raw task result (the
// state's $Output) in the value model of package value, or an error; an
// *Error (or an error wrapping one) names the error that Retry and Catch
// match. Invoke must honour ctx and must not modify call's values.
type TaskRunner interface {
	Invoke(ctx context.Context, call TaskCall) (any, error)
}

// Forgetter is an optional interface of a TaskRunner that keeps state per
// execution (an action.Mock's call counters): when Options.Tasks implements
// it, the engine calls Forget with the execution name once that execution
// has finished, whatever its status.
type Forgetter interface {
	Forget(execution string)
}

// Options configures an Engine. Zero fields take the documented defaults.
type Options struct {
	Clock   Clock                      // default: the real clock
	RandInt func(min, max int64) int64 // randomInt(); default: eval.RandomInt (crypto/rand)
	UUID    func() string              // uuid(); default: eval.NewUUID (crypto/rand UUID v4)
	// Tasks runs Task states; nil fails every Task with FnF.ActionNotSupported.
	Tasks TaskRunner
	// Recorder receives history events; nil records nothing and costs nothing.
	Recorder Recorder
	// Observer is told of state attempts and Task calls (traces, metrics);
	// nil observes nothing and costs nothing.
	Observer Observer

	MaxPayloadBytes         int // state input/output; default DefaultMaxPayloadBytes
	MaxEvents               int // history events when recording; default DefaultMaxEvents
	MaxGlobalKeyBytes       int // default DefaultMaxGlobalKeyBytes
	MaxGlobalValueBytes     int // default DefaultMaxGlobalValueBytes
	MaxInlineMapConcurrency int // caps inline Map concurrency; default DefaultMaxInlineMapConcurrency
	// MaxInFlight bounds the extra goroutines that run Parallel branches and
	// Map (foreach) iterations of one execution, across all nesting levels;
	// default DefaultMaxInFlight. When none is free, a fan-out runs its
	// children in the goroutine that started it, so nesting never deadlocks.
	MaxInFlight int
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = RealClock{}
	}
	if o.RandInt == nil {
		o.RandInt = eval.RandomInt
	}
	if o.UUID == nil {
		o.UUID = eval.NewUUID
	}
	setDefault(&o.MaxPayloadBytes, DefaultMaxPayloadBytes)
	setDefault(&o.MaxEvents, DefaultMaxEvents)
	setDefault(&o.MaxGlobalKeyBytes, DefaultMaxGlobalKeyBytes)
	setDefault(&o.MaxGlobalValueBytes, DefaultMaxGlobalValueBytes)
	setDefault(&o.MaxInlineMapConcurrency, DefaultMaxInlineMapConcurrency)
	setDefault(&o.MaxInFlight, DefaultMaxInFlight)
	return o
}

func setDefault(p *int, d int) {
	if *p <= 0 {
		*p = d
	}
}

// RealClock is the system clock: the engine's default Clock, also used by
// task runners that wait on the engine's time.
type RealClock struct{}

func (RealClock) Now() time.Time { return time.Now() }

func (RealClock) WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, cause)
}

func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
