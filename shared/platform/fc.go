package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// DefaultFCPort is the port a custom runtime listens on when FC_CUSTOM_LISTEN_PORT is unset.
const DefaultFCPort = app.DefaultFCPort

// DefaultFCMargin is the part of the function timeout kept back, by default, so that a request
// bounded by the derived deadline still has time to answer before Function Compute stops it.
const DefaultFCMargin = 2 * time.Second

// maxEventBytes caps an /invoke body: FC's asynchronous payload limit is 128 KiB, so 1 MiB leaves
// room for synchronous event invocations of reasonable size.
const maxEventBytes = 1 << 20

// FCOptions configures FCHandler.
type FCOptions struct {
	// Timeout is the function's configured timeout (FUNCTION_TIMEOUT_S, which must equal the
	// function's timeout setting); FC sends no deadline, so each request's context deadline is its
	// arrival time plus Timeout less Margin. Zero leaves requests without a deadline.
	Timeout time.Duration
	// Margin is kept back from Timeout. Zero means DefaultFCMargin; either way it is capped at a
	// tenth of Timeout so that short timeouts keep most of their budget.
	Margin time.Duration
	// Log receives the "FC Invoke Start/End RequestId: <id>" lines that SLS groups by. Nil
	// discards them.
	Log io.Writer
	// Logger receives failures of the event function. Nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock used for arrival times. Nil means time.Now.
	Now func() time.Time
}

// budget is the time a request may use: Timeout less the effective margin.
func (o FCOptions) budget() time.Duration {
	margin := o.Margin
	if margin <= 0 {
		margin = DefaultFCMargin
	}
	if limit := o.Timeout / 10; margin > limit {
		margin = limit
	}
	return o.Timeout - margin
}

// FCHandler routes Function Compute custom-runtime requests on the x-fc-control-path header:
// "/invoke" (asynchronous invocation or timer trigger) hands the body to onEvent, "/initialize"
// is answered 200, and anything else ("/http-invoke", or no header at all) is the caller's own
// HTTP request for api. Routing on the header, not the path, means an HTTP caller posting to
// /invoke reaches the API and cannot pose as an event.
//
// An FC timer trigger's envelope is unwrapped: the event function gets its payload. A failed
// event is answered 500 so that FC records a failed invocation (and may retry it).
func FCHandler(api http.Handler, onEvent EventFunc, opts FCOptions) http.Handler {
	out := opts.Log
	if out == nil {
		out = io.Discard
	}
	logger := opts.Logger
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrival := now()
		id := r.Header.Get("x-fc-request-id")
		control := r.Header.Get("x-fc-control-path")
		phase := "Invoke"
		if control == "/initialize" {
			phase = "Initialize"
		}
		invokeLine(out, phase, "Start", id)
		defer invokeLine(out, phase, "End", id)

		ctx := r.Context()
		if opts.Timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, arrival.Add(opts.budget()))
			defer cancel()
		}
		switch control {
		case "/invoke":
			serveFCEvent(ctx, w, r, onEvent, id, logger)
		case "/initialize":
			w.WriteHeader(http.StatusOK)
		default:
			api.ServeHTTP(w, r.WithContext(ctx))
		}
	})
}

// serveFCEvent runs onEvent for the body of an /invoke request.
func serveFCEvent(ctx context.Context, w http.ResponseWriter, r *http.Request, onEvent EventFunc, id string, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	if onEvent == nil {
		logger.ErrorContext(ctx, "event failed", "err", ErrNoEventFunc, "request_id", id)
		http.Error(w, "event failed", http.StatusInternalServerError)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEventBytes))
	if err != nil {
		http.Error(w, "read event: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := onEvent(ctx, timerPayload(body)); err != nil {
		logger.ErrorContext(ctx, "event failed", "err", err, "request_id", id)
		http.Error(w, "event failed", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// timerPayload unwraps an FC timer trigger's body, {"triggerTime","triggerName","payload"}, into
// its payload (the s.yaml sets it to {"op":"sweep"}), so the event function sees the same event on
// both clouds. Any other body is returned unchanged.
func timerPayload(body []byte) []byte {
	var timer struct {
		TriggerTime *string `json:"triggerTime"`
		TriggerName *string `json:"triggerName"`
		Payload     *string `json:"payload"`
	}
	if json.Unmarshal(body, &timer) != nil || timer.TriggerName == nil || timer.TriggerTime == nil || timer.Payload == nil {
		return body
	}
	return []byte(*timer.Payload)
}

// invokeLine prints one "FC <phase> <edge> RequestId: <id>" line; a failed write of a log line
// is not worth failing the request for.
func invokeLine(out io.Writer, phase, edge, id string) {
	_, _ = fmt.Fprintf(out, "FC %s %s RequestId: %s\n", phase, edge, id)
}
