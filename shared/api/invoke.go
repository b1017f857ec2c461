package api

import (
	"context"
	"net/url"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// Invoke runs the operation action with params for the caller that ctx
// carries (auth.NewContext; the default account when none), exactly as
// ServeHTTP does once a request's signature is verified: the same parameter
// checks, throttling, service call and error mapping. It serves front ends
// that authenticate their users themselves, such as the web console, so
// that they change nothing but through the API's operations.
//
// It returns the response value ServeHTTP would encode (for example
// *ExecutionResponse or *SyncExecutionResponse), or the *Error it would
// answer with (ActionNotSupported for an Action this handler does not
// serve).
func (h *Handler) Invoke(ctx context.Context, action string, values url.Values) (_ any, apiErr *Error) {
	reqID := h.opts.NewRequestID()
	defer func() {
		if v := recover(); v != nil {
			h.opts.Logger.Error("cloudflow: panic serving request", "requestId", reqID, "panic", v)
			apiErr = NewError(CodeInternalServerError)
		}
	}()
	op, routeErr := h.route(action, Version)
	if routeErr != nil {
		return nil, routeErr
	}
	id, _ := auth.FromContext(ctx)
	if h.opts.Allow != nil && !h.opts.Allow(id.AccountID, action) {
		return nil, NewError(CodeResourceThrottled)
	}
	if values == nil {
		values = url.Values{}
	}
	resp, err := op(h, auth.NewContext(ctx, id), params{values})
	if err != nil {
		return nil, h.errorFor(reqID, err)
	}
	resp.setRequestID(reqID)
	return resp, nil
}
