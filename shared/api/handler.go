package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// Version is the only API version served.
const Version = "2019-03-15"

// MaxBodyBytes is the largest request body accepted (1,024 KiB).
const MaxBodyBytes = 1 << 20

// allowedMethods are the HTTP methods of the API (reference 10.1): the SDKs
// send reads as GET and writes as POST. Any other method is 405.
const allowedMethods = "GET, POST"

// actionStartSync is the Action whose runs are capped per account.
const actionStartSync = "StartSyncExecution"

// Options configures the handler. Every field is optional.
type Options struct {
	// Authenticate checks a request's signature and returns the caller. It
	// sees the raw body and the merged parameters. Its error is mapped by
	// ErrorFor (return an *Error to choose the code). nil means every
	// request acts as auth.DefaultAccount.
	Authenticate func(r *http.Request, body []byte, params url.Values) (auth.Identity, error)
	// Allow reports whether the account may call action now; false answers
	// 429 ResourceThrottled. nil means no throttling.
	Allow func(accountID, action string) bool
	// AcquireSync takes one of the account's StartSyncExecution slots and
	// returns the function that gives it back; false answers 429
	// ResourceThrottled. nil means no cap.
	AcquireSync func(accountID string) (release func(), ok bool)
	// SyncWriteTimeout, when positive, moves the connection's write
	// deadline that far ahead for a StartSyncExecution request, whose run
	// may outlast the server's write timeout (sized for the 60 s long
	// poll). Zero leaves the deadline alone.
	SyncWriteTimeout time.Duration
	// Operations lists the Actions served; empty means all. Any other
	// Action is ActionNotSupported (one function per operation).
	Operations []string
	// NewRequestID returns a request ID when the request carries none;
	// default an upper-case UUID v4.
	NewRequestID func() string
	// Logger receives panics and internal errors; default slog.Default().
	Logger *slog.Logger
	// Region is the region DescribeRegions lists; default DefaultRegion.
	Region string
	// RegionEndpoint is the endpoint DescribeRegions gives for Region;
	// default the Host each request reached.
	RegionEndpoint string
	// TracerProvider, when set, traces every request with a server span
	// (see telemetry.go); nil traces nothing.
	TracerProvider trace.TracerProvider
	// MeterProvider, when set, records the request metrics; nil records
	// nothing.
	MeterProvider metric.MeterProvider
}

type opFunc func(h *Handler, ctx context.Context, p params) (response, error)

// Handler serves the CloudFlow API. It is safe for concurrent use.
type Handler struct {
	svc    *execution.Service
	opts   Options
	served map[string]opFunc
	inst   instruments
}

// NewHandler returns the API handler over the use cases of svc.
func NewHandler(svc *execution.Service, opts Options) *Handler {
	if opts.NewRequestID == nil {
		opts.NewRequestID = func() string { return strings.ToUpper(uuid.NewString()) }
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Region == "" {
		opts.Region = DefaultRegion
	}
	h := &Handler{svc: svc, opts: opts, served: map[string]opFunc{}, inst: newInstruments(opts)}
	for name, op := range operations {
		h.served[name] = op
	}
	if len(opts.Operations) > 0 {
		h.served = map[string]opFunc{}
		for _, name := range opts.Operations {
			if op, ok := operations[name]; ok {
				h.served[name] = op
			}
		}
	}
	return h
}

// ServeHTTP answers one API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := r.URL.Query().Get("RequestId")
	if reqID == "" {
		reqID = h.opts.NewRequestID()
	}
	var acc access
	status, code := http.StatusOK, ""
	r, span := h.startSpan(r)
	defer func() {
		if v := recover(); v != nil {
			h.opts.Logger.Error("cloudflow: panic serving request", "requestId", reqID, "panic", v)
			e := NewError(CodeInternalServerError)
			h.writeError(w, r, reqID, e)
			status, code = e.Status, e.Code
		}
		latency := time.Since(start)
		h.logAccess(r, reqID, &acc, status, code, latency)
		h.observe(r.Context(), span, reqID, &acc, status, code, latency)
	}()
	resp, reqID, apiErr := h.serve(w, r, reqID, &acc)
	if apiErr != nil {
		status, code = apiErr.Status, apiErr.Code
		h.writeError(w, r, reqID, apiErr)
		return
	}
	resp.setRequestID(reqID)
	writeJSON(w, reqID, http.StatusOK, resp)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, reqID string, acc *access) (response, string, *Error) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", allowedMethods)
		return nil, reqID, NewError(CodeMethodNotAllowed, strconv.Quote(truncate(r.Method)))
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, reqID, NewError(CodeEntityTooLarge, strconv.Itoa(MaxBodyBytes))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, reqID, InvalidArgument("The request body could not be read.")
	}
	if len(body) > MaxBodyBytes {
		return nil, reqID, NewError(CodeEntityTooLarge, strconv.Itoa(MaxBodyBytes))
	}
	if r.URL.Path != "/" && r.URL.Path != "" {
		return nil, reqID, NewError(CodeActionNotSupported, r.URL.Path)
	}
	values, apiErr := decodeParams(r, body)
	if apiErr != nil {
		// The Action and Version checks come before any parameter check
		// (reference 11.3): when the query or headers name an Action or
		// Version that is wrong, say so rather than report the malformed
		// parameters.
		q, _ := url.ParseQuery(r.URL.RawQuery)
		action := firstNonEmpty(q.Get("Action"), r.Header.Get("x-acs-action"))
		version := firstNonEmpty(q.Get("Version"), r.Header.Get("x-acs-version"))
		if action != "" && version != "" {
			if _, routeErr := h.route(action, version); routeErr != nil {
				return nil, reqID, routeErr
			}
		}
		return nil, reqID, apiErr
	}
	if id := values.Get("RequestId"); id != "" {
		reqID = id
	}
	action := firstNonEmpty(values.Get("Action"), r.Header.Get("x-acs-action"))
	acc.set(action, values)
	op, apiErr := h.route(action, firstNonEmpty(values.Get("Version"), r.Header.Get("x-acs-version")))
	if apiErr != nil {
		return nil, reqID, apiErr
	}
	id := auth.Identity{AccountID: auth.DefaultAccount}
	if h.opts.Authenticate != nil {
		if id, err = h.opts.Authenticate(r, body, values); err != nil {
			return nil, reqID, h.errorFor(reqID, err)
		}
	}
	acc.account = id.AccountID
	if h.opts.Allow != nil && !h.opts.Allow(id.AccountID, action) {
		return nil, reqID, NewError(CodeResourceThrottled)
	}
	if action == actionStartSync {
		if h.opts.AcquireSync != nil {
			release, ok := h.opts.AcquireSync(id.AccountID)
			if !ok {
				return nil, reqID, NewError(CodeResourceThrottled)
			}
			defer release()
		}
		if h.opts.SyncWriteTimeout > 0 {
			// Not every ResponseWriter supports deadlines (a recorder, the
			// Lambda adapter); those have none to extend.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(h.opts.SyncWriteTimeout))
		}
	}
	ctx := withHost(auth.NewContext(r.Context(), id), r.Host)
	p := params{values}
	if err := p.validUTF8(); err != nil {
		return nil, reqID, h.errorFor(reqID, err)
	}
	resp, err := op(h, ctx, p)
	if err != nil {
		return nil, reqID, h.errorFor(reqID, err)
	}
	return resp, reqID, nil
}

// route checks the Action and the Version and returns the Action's handler.
func (h *Handler) route(action, version string) (opFunc, *Error) {
	if action == "" {
		return nil, missing("Action")
	}
	op, ok := h.served[action]
	if !ok {
		return nil, NewError(CodeActionNotSupported, action)
	}
	if version == "" {
		return nil, missing("Version")
	}
	if version != Version {
		return nil, NewError(CodeAPIVersionNotSupported, version)
	}
	return op, nil
}

// errorFor maps err and logs the ones that are server failures.
func (h *Handler) errorFor(reqID string, err error) *Error {
	e := ErrorFor(err)
	if e.Status >= http.StatusInternalServerError {
		h.opts.Logger.Error("cloudflow: request failed", "requestId", reqID, "err", err)
	}
	return e
}

// decodeParams merges the query and the body parameters (body wins).
//
// Every parameter has exactly one value in the result, and a query or form
// body that is malformed or names a parameter twice is InvalidArgument: the
// RPC signature covers the merged values and ACS3 the raw query and body, so
// with one value per name the parameters the signature covers are exactly
// the ones the operation acts on (a second value appended to a signed
// request cannot be slipped past either verifier).
func decodeParams(r *http.Request, body []byte) (url.Values, *Error) {
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, InvalidArgument("The query string is not valid URL encoding.")
	}
	if e := singleValued(values); e != nil {
		return nil, e
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return values, nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var bodyValues url.Values
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, InvalidArgument("The request body is not valid form data.")
		}
		if e := singleValued(v); e != nil {
			return nil, e
		}
		bodyValues = v
	case mediaType == "application/json" || (mediaType == "" || mediaType == "text/plain") && looksLikeJSON(body):
		if !utf8.Valid(body) {
			// encoding/json would quietly read U+FFFD instead.
			return nil, InvalidArgument("The request body must be valid UTF-8.")
		}
		v, dup, ok := decodeJSONBody(body)
		if !ok {
			if e := jsonProblem("The request body", body, true); e != nil {
				return nil, e
			}
			return nil, InvalidArgument("The request body must be one JSON object of parameters.")
		}
		if dup != nil {
			return nil, dup
		}
		bodyValues = v
	default:
		return nil, NewError(CodeUnsupportedMediaType)
	}
	for k, vs := range bodyValues {
		values[k] = vs
	}
	return values, nil
}

// singleValued rejects a parameter given more than once, naming the first
// such name in byte order (so the answer does not depend on map order).
func singleValued(v url.Values) *Error {
	dup, found := "", false
	for name, vs := range v {
		if len(vs) > 1 && (!found || name < dup) {
			dup, found = name, true
		}
	}
	if !found {
		return nil
	}
	if len(dup) > maxNameLen {
		dup = dup[:maxNameLen] + "..."
	}
	return InvalidArgument(strconv.Quote(dup) + " must be given at most once.")
}

// decodeJSONBody reads a JSON object body: strings are taken as they are,
// other values as their JSON text, null as absent. A body that is not one
// JSON object is !ok; a key given more than once (even as null) is dup, as
// singleValued answers for query and form parameters.
func decodeJSONBody(body []byte) (_ url.Values, dup *Error, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	seen := url.Values{} // every key, with one entry per occurrence
	out := url.Values{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		k, isKey := tok.(string)
		var raw json.RawMessage
		if !isKey || dec.Decode(&raw) != nil {
			return nil, nil, false
		}
		seen.Add(k, "")
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, nil, false
			}
			out.Set(k, s)
		default:
			var buf bytes.Buffer
			if json.Compact(&buf, raw) != nil {
				return nil, nil, false
			}
			out.Set(k, buf.String())
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, false // trailing data
	}
	if e := singleValued(seen); e != nil {
		return nil, e, true
	}
	return out, nil, true
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

type errorBody struct {
	RequestID   string `json:"RequestId"`
	HostID      string `json:"HostId"`
	Code        string `json:"Code"`
	Message     string `json:"Message"`
	Description string `json:"Description,omitempty"`
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, reqID string, e *Error) {
	writeJSON(w, reqID, e.Status, e.body(reqID, r.Host))
}

func (e *Error) body(reqID, hostID string) errorBody {
	return errorBody{RequestID: reqID, HostID: hostID, Code: e.Code, Message: e.Message, Description: e.Description}
}

// Body returns e as the JSON error body of reference 11.1, for a response
// written outside the handler (the connection cap's 503).
func (e *Error) Body(reqID, hostID string) []byte {
	data, _ := json.Marshal(e.body(reqID, hostID)) // strings only: cannot fail
	return data
}

func writeJSON(w http.ResponseWriter, reqID string, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		e := NewError(CodeInternalServerError)
		_ = json.NewEncoder(&buf).Encode(errorBody{RequestID: reqID, Code: e.Code, Message: e.Message})
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("x-acs-request-id", reqID)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
