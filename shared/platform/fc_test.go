package platform

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFCHandler_ControlPaths(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		control   string // x-fc-control-path; empty sends none
		body      string
		evErr     error
		wantCode  int
		wantAPI   bool
		wantEvent bool
		// wantEventBody is what the event function gets; empty means the body unchanged.
		wantEventBody string
		wantPhase     string
	}{
		{name: "invoke is an event", method: "POST", path: "/invoke", control: "/invoke", body: `{"op":"sweep"}`,
			wantCode: 200, wantEvent: true, wantPhase: "Invoke"},
		{name: "timer trigger payload is the event", method: "POST", path: "/invoke", control: "/invoke",
			body:     `{"triggerTime":"2025-01-01T00:00:00Z","triggerName":"sweep","payload":"{\"op\":\"sweep\"}"}`,
			wantCode: 200, wantEvent: true, wantEventBody: `{"op":"sweep"}`, wantPhase: "Invoke"},
		{name: "object with only a payload field is passed whole", method: "POST", path: "/invoke", control: "/invoke",
			body: `{"payload":"x"}`, wantCode: 200, wantEvent: true, wantPhase: "Invoke"},
		{name: "failed event is 500", method: "POST", path: "/invoke", control: "/invoke", body: `{"op":"x"}`,
			evErr: errors.New("boom"), wantCode: 500, wantEvent: true, wantPhase: "Invoke"},
		{name: "initialize", method: "POST", path: "/initialize", control: "/initialize", wantCode: 200, wantPhase: "Initialize"},
		{name: "http trigger reaches the API", method: "GET", path: "/?Action=ListFlows", control: "/http-invoke",
			wantCode: 200, wantAPI: true, wantPhase: "Invoke"},
		{name: "caller posting to /invoke without the header reaches the API", method: "POST", path: "/invoke",
			body: `{"op":"sweep"}`, wantCode: 200, wantAPI: true, wantPhase: "Invoke"},
		{name: "caller posting to /initialize without the header reaches the API", method: "POST", path: "/initialize",
			wantCode: 200, wantAPI: true, wantPhase: "Invoke"},
		{name: "unknown control path is the caller's request", method: "GET", path: "/", control: "/other",
			wantCode: 200, wantAPI: true, wantPhase: "Invoke"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := eventRecorder{err: tc.evErr}
			var log bytes.Buffer
			h := FCHandler(echoAPI(), rec.handle, FCOptions{Log: &log, Logger: quietLogger()})
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Header.Set("x-fc-request-id", "1-6789abcd-0123456789abcdef")
			if tc.control != "" {
				req.Header.Set("x-fc-control-path", tc.control)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.wantCode {
				t.Errorf("status = %d, want %d (body %q)", w.Code, tc.wantCode, w.Body.String())
			}
			gotAPI := strings.Contains(w.Body.String(), `"method"`)
			if gotAPI != tc.wantAPI {
				t.Errorf("API reached = %v, want %v (body %q)", gotAPI, tc.wantAPI, w.Body.String())
			}
			if tc.wantAPI && decodeEcho(t, w.Body.Bytes()).Body != tc.body {
				t.Errorf("API saw body %q, want %q", decodeEcho(t, w.Body.Bytes()).Body, tc.body)
			}
			events := rec.got()
			wantBody := tc.body
			if tc.wantEventBody != "" {
				wantBody = tc.wantEventBody
			}
			if tc.wantEvent != (len(events) == 1) || (tc.wantEvent && events[0] != wantBody) {
				t.Errorf("events = %q, want event %v with body %q", events, tc.wantEvent, wantBody)
			}
			wantLog := "FC " + tc.wantPhase + " Start RequestId: 1-6789abcd-0123456789abcdef\n" +
				"FC " + tc.wantPhase + " End RequestId: 1-6789abcd-0123456789abcdef\n"
			if log.String() != wantLog {
				t.Errorf("log = %q, want %q", log.String(), wantLog)
			}
		})
	}
}

func TestFCHandler_NoEventFunc(t *testing.T) {
	h := FCHandler(echoAPI(), nil, FCOptions{Logger: quietLogger()})
	req := httptest.NewRequest("POST", "/invoke", strings.NewReader(`{"op":"sweep"}`))
	req.Header.Set("x-fc-control-path", "/invoke")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", w.Code)
	}
}

func TestFCHandler_EventTooLarge(t *testing.T) {
	var rec eventRecorder
	h := FCHandler(echoAPI(), rec.handle, FCOptions{})
	req := httptest.NewRequest("POST", "/invoke", bytes.NewReader(make([]byte, maxEventBytes+1)))
	req.Header.Set("x-fc-control-path", "/invoke")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusBadRequest || len(rec.got()) != 0 {
		t.Errorf("status = %d, events %d; want 400 and no event", w.Code, len(rec.got()))
	}
}

func TestFCHandler_Deadline(t *testing.T) {
	arrival := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		opts    FCOptions
		want    time.Duration // from arrival; 0 means no deadline
		control string
	}{
		{name: "60s keeps the default margin", opts: FCOptions{Timeout: 60 * time.Second}, want: 58 * time.Second},
		{name: "explicit margin", opts: FCOptions{Timeout: 60 * time.Second, Margin: 5 * time.Second}, want: 55 * time.Second},
		{name: "short timeout caps the margin at a tenth", opts: FCOptions{Timeout: 5 * time.Second}, want: 4500 * time.Millisecond},
		{name: "no timeout, no deadline", opts: FCOptions{}, want: 0},
		{name: "events get the deadline too", opts: FCOptions{Timeout: 30 * time.Second}, want: 28 * time.Second, control: "/invoke"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = func() time.Time { return arrival }
			var got time.Time
			var has bool
			onEvent := func(ctx context.Context, _ []byte) error {
				got, has = ctx.Deadline()
				return nil
			}
			h := FCHandler(echoAPI(), onEvent, tc.opts)
			req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
			if tc.control != "" {
				req.Header.Set("x-fc-control-path", tc.control)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if tc.control == "" {
				e := decodeEcho(t, w.Body.Bytes())
				got, has = e.Deadline, e.HasDeadline
			}
			if tc.want == 0 {
				if has {
					t.Errorf("deadline = %v, want none", got)
				}
				return
			}
			if !has || !got.Equal(arrival.Add(tc.want)) {
				t.Errorf("deadline = %v (set %v), want arrival + %v", got, has, tc.want)
			}
		})
	}
}
