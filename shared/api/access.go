package api

import (
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// AccessLogMessage is the message of the access log line the handler writes
// for every request, at INFO on Options.Logger.
//
// Its attributes: requestId, method, account (once authenticated), action,
// flow, name and execution (the FlowName, Name and ExecutionName parameters
// when present, shortened), status (HTTP), code (the error code, absent on
// success) and latencyMs. Nothing else of the request is logged: no
// signature, access key secret, token, Input, Output or definition.
const AccessLogMessage = "request"

// maxLoggedName bounds a name in the access log.
const maxLoggedName = maxSyncNameLen

// access is what the access log line says about a request; serve fills it
// as it learns.
type access struct {
	action, account, flow, name, execution string
}

func (a *access) set(action string, v url.Values) {
	a.action = shorten(action)
	a.flow = shorten(v.Get("FlowName"))
	a.name = shorten(v.Get("Name"))
	a.execution = shorten(v.Get("ExecutionName"))
}

func shorten(s string) string {
	if len(s) > maxLoggedName {
		return s[:maxLoggedName] + "..."
	}
	return s
}

func (h *Handler) logAccess(r *http.Request, reqID string, a *access, status int, code string, latency time.Duration) {
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("requestId", shorten(reqID)), slog.String("method", shorten(r.Method)))
	for _, kv := range [][2]string{{"account", a.account}, {"action", a.action}, {"flow", a.flow}, {"name", a.name}, {"execution", a.execution}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	attrs = append(attrs, slog.Int("status", status))
	if code != "" {
		attrs = append(attrs, slog.String("code", code))
	}
	attrs = append(attrs, slog.Float64("latencyMs", float64(latency.Microseconds())/1000))
	h.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, AccessLogMessage, attrs...)
}
