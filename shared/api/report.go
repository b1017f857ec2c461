package api

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// ReportResponse answers ReportTaskSucceeded and ReportTaskFailed: EventId
// is the TaskSucceeded or TaskFailed history event the report produced.
type ReportResponse struct {
	Envelope
	EventID int64 `json:"EventId"`
}

func reportTaskSucceeded(h *Handler, ctx context.Context, p params) (response, error) {
	tok, err := p.token("TaskToken")
	if err != nil {
		return nil, err
	}
	out, err := p.required("Output")
	if err != nil {
		return nil, err
	}
	id, err := h.svc.ReportTaskSucceeded(ctx, execution.ReportSucceededInput{TaskToken: tok, Output: out})
	if err != nil {
		return nil, err
	}
	return &ReportResponse{EventID: id}, nil
}

func reportTaskFailed(h *Handler, ctx context.Context, p params) (response, error) {
	tok, err := p.token("TaskToken")
	if err != nil {
		return nil, err
	}
	if _, err := p.required("Error"); err != nil {
		return nil, err
	}
	errName, err := p.length("Error", 1, maxErrorLen)
	if err != nil {
		return nil, err
	}
	cause, err := p.length("Cause", 1, maxCauseLen)
	if err != nil {
		return nil, err
	}
	id, err := h.svc.ReportTaskFailed(ctx, execution.ReportFailedInput{TaskToken: tok, Error: errName, Cause: cause})
	if err != nil {
		return nil, err
	}
	return &ReportResponse{EventID: id}, nil
}
