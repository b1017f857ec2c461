package platform

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// APIVersion is the CloudFlow API version session steps are sent with.
const APIVersion = "2019-03-15"

// EventKind is the kind of a sample file Replay understands.
type EventKind string

// The kinds of sample file, told apart by content (see DetectKind).
const (
	KindLambdaHTTPAPI EventKind = "lambda-http-v2" // HTTP API payload 2.0 or Function URL event
	KindLambdaREST    EventKind = "lambda-rest-v1" // REST API proxy event, payload 1.0
	KindFCHTTP        EventKind = "fc-http"        // raw HTTP/1.1 request an FC HTTP trigger forwards
	KindSession       EventKind = "session"        // JSON array of SessionStep, run in order
	KindAsync         EventKind = "async"          // any other JSON object: an asynchronous event
)

// DetectKind tells what a sample file holds: a JSON array is a session; a JSON object is a Lambda
// HTTP API event ("version": "2.0"), a REST API event ("httpMethod") or else an asynchronous
// event; text starting with an HTTP/1.x request line is a raw FC HTTP request.
//
// Anything else is ErrUnknownEvent.
func DetectKind(data []byte) (EventKind, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return "", fmt.Errorf("empty file: %w", ErrUnknownEvent)
	}
	switch trimmed[0] {
	case '[':
		return KindSession, nil
	case '{':
		var probe struct {
			Version    string `json:"version"`
			HTTPMethod string `json:"httpMethod"`
		}
		if err := json.Unmarshal(trimmed, &probe); err != nil {
			return "", fmt.Errorf("decode JSON event: %v: %w", err, ErrUnknownEvent)
		}
		switch {
		case probe.Version == "2.0":
			return KindLambdaHTTPAPI, nil
		case probe.HTTPMethod != "":
			return KindLambdaREST, nil
		default:
			return KindAsync, nil
		}
	}
	line, _, _ := bytes.Cut(trimmed, []byte("\n"))
	parts := strings.Fields(string(line))
	if len(parts) == 3 && strings.HasPrefix(parts[2], "HTTP/1.") && isToken(parts[0]) {
		return KindFCHTTP, nil
	}
	return "", fmt.Errorf("neither JSON nor an HTTP/1.x request: %w", ErrUnknownEvent)
}

// isToken reports whether s looks like an HTTP method.
func isToken(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return s != ""
}

// SessionStep is one request of a local session file (a JSON array of steps).
type SessionStep struct {
	// Action is the CloudFlow operation, e.g. "CreateFlow".
	Action string `json:"Action"`
	// Method is "GET" (parameters in the query) or "POST" (parameters in a form body), as the
	// official SDK sends the operation. Empty means GET for Describe*, List* and Get* operations
	// and POST otherwise.
	Method string `json:"Method,omitempty"`
	// Parameters are the operation's parameters. A JSON string is sent as is; any other JSON
	// value (an Input object, a number) is sent as its JSON text.
	Parameters map[string]json.RawMessage `json:"Parameters,omitempty"`
	// Files are parameters read from files: parameter name → path relative to the session
	// file's folder, e.g. {"Definition": "flows/orders.yaml"}, so a session names definition
	// files instead of escaping YAML into JSON strings. ResolveSession reads them; a step that
	// still has Files when it is sent is an error.
	Files map[string]string `json:"Files,omitempty"`
}

// ResolveSession returns the session data with every step's Files read from dir into its
// Parameters (a parameter given both ways is an error). Data that is not a session is
// returned unchanged.
func ResolveSession(data []byte, dir string) ([]byte, error) {
	if kind, err := DetectKind(data); err != nil || kind != KindSession {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var steps []SessionStep
	if err := dec.Decode(&steps); err != nil {
		return nil, fmt.Errorf("decode session: %w", err)
	}
	changed := false
	for i := range steps {
		st := &steps[i]
		for name, rel := range st.Files {
			if _, dup := st.Parameters[name]; dup {
				return nil, fmt.Errorf("session step %d (%s): %s is both a parameter and a file", i+1, st.Action, name)
			}
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return nil, fmt.Errorf("session step %d (%s): %s: %w", i+1, st.Action, name, err)
			}
			raw, err := json.Marshal(string(b))
			if err != nil {
				return nil, err
			}
			if st.Parameters == nil {
				st.Parameters = map[string]json.RawMessage{}
			}
			st.Parameters[name] = raw
			changed = true
		}
		st.Files = nil
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(steps)
}

// Response is one HTTP response produced while replaying a file.
type Response struct {
	// Action is the session step's operation; empty for a platform event.
	Action string
	// StatusCode, Header and Body are the API's response, with any base64 undone.
	StatusCode int
	Header     http.Header
	Body       []byte
	// Platform is the value the platform adapter returned (a Lambda response event), or nil.
	Platform any
}

// ReplayFile runs one sample file against svc and returns its responses in order: one for a
// platform event, one per step for a session (stopping at the first non-2xx step, which is
// reported as ErrBadStatus), none for an asynchronous event. fc configures the
// FC adapter for raw FC HTTP requests (which get x-fc-control-path: /http-invoke when they carry
// no control path).
//
// Errors: ErrUnknownEvent for a file DetectKind rejects; decoding errors for malformed content; the
// event function's error for an asynchronous event. A non-2xx platform response is not an error
// here; the caller checks Response.StatusCode.
func ReplayFile(ctx context.Context, svc Service, data []byte, fc FCOptions) (EventKind, []Response, error) {
	kind, err := DetectKind(data)
	if err != nil {
		return "", nil, err
	}
	var out []Response
	switch kind {
	case KindLambdaHTTPAPI, KindLambdaREST:
		res, err := LambdaHandler(svc.API, svc.OnEvent)(ctx, data)
		if err != nil {
			return kind, nil, err
		}
		r, err := fromLambda(res)
		if err != nil {
			return kind, nil, err
		}
		out = append(out, r)
	case KindFCHTTP:
		r, err := replayFC(ctx, svc, data, fc)
		if err != nil {
			return kind, nil, err
		}
		out = append(out, r)
	case KindSession:
		err := RunSession(ctx, svc, data, func(r Response) error {
			out = append(out, r)
			return nil
		})
		return kind, out, err
	case KindAsync:
		if svc.OnEvent == nil {
			return kind, nil, ErrNoEventFunc
		}
		if err := svc.OnEvent(ctx, data); err != nil {
			return kind, nil, fmt.Errorf("event function: %w", err)
		}
	}
	return kind, out, nil
}

// fromLambda converts a Lambda HTTP response event into a Response.
func fromLambda(res any) (Response, error) {
	r := Response{Platform: res, Header: http.Header{}}
	var body string
	var b64 bool
	switch v := res.(type) {
	case events.APIGatewayV2HTTPResponse:
		r.StatusCode, body, b64 = v.StatusCode, v.Body, v.IsBase64Encoded
		for k, s := range v.Headers {
			r.Header.Set(k, s)
		}
	case events.APIGatewayProxyResponse:
		r.StatusCode, body, b64 = v.StatusCode, v.Body, v.IsBase64Encoded
		for k, vs := range v.MultiValueHeaders {
			r.Header[http.CanonicalHeaderKey(k)] = vs
		}
	default:
		return Response{}, fmt.Errorf("unexpected lambda response %T", res)
	}
	r.Body = []byte(body)
	if b64 {
		var err error
		if r.Body, err = base64.StdEncoding.DecodeString(body); err != nil {
			return Response{}, fmt.Errorf("decode base64 response body: %w", err)
		}
	}
	return r, nil
}

// replayFC reads a raw HTTP/1.1 request and serves it through FCHandler.
func replayFC(ctx context.Context, svc Service, data []byte, fc FCOptions) (Response, error) {
	br := bufio.NewReader(bytes.NewReader(data))
	req, err := http.ReadRequest(br)
	if err != nil {
		return Response{}, fmt.Errorf("read FC HTTP request: %w", err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return Response{}, fmt.Errorf("read FC HTTP request body (check Content-Length): %w", err)
	}
	rest, _ := io.ReadAll(br) // reading a bytes.Reader cannot fail
	if len(bytes.TrimSpace(rest)) > 0 {
		return Response{}, fmt.Errorf("read FC HTTP request: %d bytes after the body (Content-Length %d too small)", len(rest), req.ContentLength)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if req.Header.Get("x-fc-control-path") == "" {
		req.Header.Set("x-fc-control-path", "/http-invoke")
	}
	if req.RemoteAddr == "" {
		req.RemoteAddr = "127.0.0.1:0"
	}
	var buf responseBuffer
	FCHandler(svc.API, svc.OnEvent, fc).ServeHTTP(&buf, req.WithContext(ctx))
	return Response{StatusCode: buf.statusCode(), Header: buf.Header(), Body: buf.body.Bytes()}, nil
}

// RunSession sends the steps of a session file to svc.API in order, as the official SDK would
// (path "/", Action and Version in the query and x-acs-* headers), calling each after every
// response. It stops at the first non-2xx response and reports it as ErrBadStatus.
//
// Errors: decoding errors for a malformed session, ErrBadStatus, or each's error.
func RunSession(ctx context.Context, svc Service, data []byte, each func(Response) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var steps []SessionStep
	if err := dec.Decode(&steps); err != nil {
		return fmt.Errorf("decode session: %w", err)
	}
	for i, st := range steps {
		req, err := st.request(ctx)
		if err != nil {
			return fmt.Errorf("session step %d: %w", i+1, err)
		}
		var buf responseBuffer
		svc.API.ServeHTTP(&buf, req)
		r := Response{Action: st.Action, StatusCode: buf.statusCode(), Header: buf.Header(), Body: buf.body.Bytes()}
		if err := each(r); err != nil {
			return err
		}
		if r.StatusCode/100 != 2 {
			return fmt.Errorf("session step %d (%s): HTTP %d: %w", i+1, st.Action, r.StatusCode, ErrBadStatus)
		}
	}
	return nil
}

// request builds the HTTP request the official SDK would send for the step (unsigned).
func (st SessionStep) request(ctx context.Context) (*http.Request, error) {
	if st.Action == "" {
		return nil, fmt.Errorf("missing Action")
	}
	if len(st.Files) > 0 {
		return nil, fmt.Errorf("%s: Files are read relative to the session file; replay it with -event (or ResolveSession first)", st.Action)
	}
	params := url.Values{}
	for k, raw := range st.Parameters {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				return nil, fmt.Errorf("parameter %s: %w", k, err)
			}
			s = compact.String()
		}
		params.Set(k, s)
	}
	method := strings.ToUpper(st.Method)
	if method == "" {
		method = http.MethodPost
		for _, p := range []string{"Describe", "List", "Get"} {
			if strings.HasPrefix(st.Action, p) {
				method = http.MethodGet
			}
		}
	}
	query := url.Values{"Action": {st.Action}, "Format": {"json"}, "Version": {APIVersion}}
	var body string
	switch method {
	case http.MethodGet:
		for k, vs := range params {
			query[k] = vs
		}
	case http.MethodPost:
		body = params.Encode()
	default:
		return nil, fmt.Errorf("method %q: want GET or POST", st.Method)
	}
	target := "/?" + query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build %s request: %w", st.Action, err)
	}
	req.RequestURI = target
	req.Host = "127.0.0.1"
	req.RemoteAddr = "127.0.0.1:0"
	req.Header.Set("x-acs-action", st.Action)
	req.Header.Set("x-acs-version", APIVersion)
	req.Header.Set("user-agent", "cloudflow-replay")
	if body != "" {
		req.Header.Set("content-type", "application/x-www-form-urlencoded")
	}
	return req, nil
}

// Replay runs one sample file against svc and prints the response(s) to w as indented JSON: a
// Lambda event's response as Lambda would return it, an FC request's response as
// {"statusCode","headers","body"}, and for a session one {"Action","StatusCode","Response"} object
// per step, printed as soon as it arrives. An asynchronous event prints {"event":"handled"}.
//
// Errors: as ReplayFile and RunSession; a non-2xx platform response is ErrBadStatus too (after
// printing it), so a failing sample fails the command.
func Replay(ctx context.Context, svc Service, data []byte, fc FCOptions, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	kind, err := DetectKind(data)
	if err != nil {
		return err
	}
	if kind == KindSession {
		return RunSession(ctx, svc, data, func(r Response) error {
			return enc.Encode(sessionOutput{Action: r.Action, StatusCode: r.StatusCode, Response: jsonOrString(r.Body)})
		})
	}
	_, rs, err := ReplayFile(ctx, svc, data, fc)
	if err != nil {
		return err
	}
	if kind == KindAsync {
		return enc.Encode(map[string]string{"event": "handled"})
	}
	for _, r := range rs {
		var v any = r.Platform
		if v == nil {
			v = fcOutput{StatusCode: r.StatusCode, Headers: flatHeaders(r.Header), Body: string(r.Body)}
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("print response: %w", err)
		}
		if r.StatusCode/100 != 2 {
			return fmt.Errorf("HTTP %d: %w", r.StatusCode, ErrBadStatus)
		}
	}
	return nil
}

// sessionOutput is how Replay prints one session step.
type sessionOutput struct {
	Action     string `json:"Action"`
	StatusCode int    `json:"StatusCode"`
	Response   any    `json:"Response"`
}

// fcOutput is how Replay prints an FC HTTP response.
type fcOutput struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

// jsonOrString returns body as raw JSON when it is valid JSON, else as a string.
func jsonOrString(body []byte) any {
	if json.Valid(body) {
		return json.RawMessage(body)
	}
	return string(body)
}

// flatHeaders joins repeated header values with commas.
func flatHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for _, k := range sortedKeys(h) {
		out[k] = strings.Join(h[k], ",")
	}
	return out
}
