package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// EventFunc handles one asynchronous event: a run request, a schedule's {"op":"sweep"}, an FC
// timer body. A returned error is a failed invocation that the platform may retry.
type EventFunc func(ctx context.Context, event []byte) error

// LambdaHandler serves HTTP events through api and hands any other event to onEvent. The result is
// the entry point for lambda.Start.
//
// An event with "version": "2.0" is an HTTP API (payload 2.0) or Function URL event; one with
// "httpMethod" is a REST API proxy (payload 1.0) event; anything else is asynchronous work. API
// errors are HTTP responses with a nil Go error; a Go error means the event could not be decoded
// or the event function failed. The invocation context, with its deadline, becomes the request's
// context.
func LambdaHandler(api http.Handler, onEvent EventFunc) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe struct {
			Version    string `json:"version"`
			HTTPMethod string `json:"httpMethod"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
		switch {
		case probe.Version == "2.0":
			return serveHTTPAPI(ctx, api, raw)
		case probe.HTTPMethod != "":
			return serveREST(ctx, api, raw)
		default:
			if onEvent == nil {
				return nil, fmt.Errorf("asynchronous event: %w", ErrNoEventFunc)
			}
			return nil, onEvent(ctx, raw)
		}
	}
}

// serveHTTPAPI adapts an HTTP API v2 or Function URL event.
func serveHTTPAPI(ctx context.Context, api http.Handler, raw json.RawMessage) (events.APIGatewayV2HTTPResponse, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("decode http api event: %w", err)
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	// A named stage (not "$default") is the first path segment of rawPath; the API lives at "/".
	if st := ev.RequestContext.Stage; st != "" && st != "$default" {
		if rest, ok := strings.CutPrefix(path, "/"+st); ok && (rest == "" || rest[0] == '/') {
			path = rest
		}
	}
	header := make(http.Header, len(ev.Headers)+1)
	for k, v := range ev.Headers {
		header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	res, err := serveOnce(ctx, api, onceRequest{
		method:   ev.RequestContext.HTTP.Method,
		path:     path,
		query:    ev.RawQueryString,
		header:   header,
		body:     ev.Body,
		base64:   ev.IsBase64Encoded,
		sourceIP: ev.RequestContext.HTTP.SourceIP,
	})
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out := events.APIGatewayV2HTTPResponse{StatusCode: res.status, Headers: map[string]string{}}
	for k, vs := range res.header {
		if k == "Set-Cookie" {
			out.Cookies = append(out.Cookies, vs...)
			continue
		}
		out.Headers[k] = strings.Join(vs, ",")
	}
	out.Body, out.IsBase64Encoded = encodeBody(res.body)
	return out, nil
}

// serveREST adapts a REST API proxy (payload 1.0) event.
func serveREST(ctx context.Context, api http.Handler, raw json.RawMessage) (events.APIGatewayProxyResponse, error) {
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		return events.APIGatewayProxyResponse{}, fmt.Errorf("decode rest api event: %w", err)
	}
	header := make(http.Header, len(ev.Headers))
	for k, v := range ev.Headers {
		header.Set(k, v)
	}
	for k, vs := range ev.MultiValueHeaders { // complete: overrides the last-value-only map
		header.Del(k)
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	query := url.Values(ev.MultiValueQueryStringParameters)
	if len(query) == 0 {
		query = url.Values{}
		for k, v := range ev.QueryStringParameters {
			query.Set(k, v)
		}
	}
	res, err := serveOnce(ctx, api, onceRequest{
		method:   ev.HTTPMethod,
		path:     ev.Path,
		query:    query.Encode(),
		header:   header,
		body:     ev.Body,
		base64:   ev.IsBase64Encoded,
		sourceIP: ev.RequestContext.Identity.SourceIP,
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	out := events.APIGatewayProxyResponse{
		StatusCode:        res.status,
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
	}
	for k, vs := range res.header {
		out.Headers[k] = vs[len(vs)-1]
		out.MultiValueHeaders[k] = vs
	}
	out.Body, out.IsBase64Encoded = encodeBody(res.body)
	return out, nil
}

// onceRequest is one HTTP request rebuilt from a platform event.
type onceRequest struct {
	method, path, query string
	header              http.Header
	body                string
	base64              bool
	sourceIP            string
}

// onceResponse is what the API handler wrote.
type onceResponse struct {
	status int
	header http.Header
	body   []byte
}

// serveOnce runs api for one rebuilt request against a buffering ResponseWriter.
func serveOnce(ctx context.Context, api http.Handler, in onceRequest) (onceResponse, error) {
	body := []byte(in.body)
	if in.base64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(in.body); err != nil {
			return onceResponse{}, fmt.Errorf("decode base64 body: %w", err)
		}
	}
	method := in.method
	if method == "" {
		method = http.MethodGet
	}
	path := in.path
	if path == "" {
		path = "/"
	}
	target := path
	if in.query != "" {
		target += "?" + in.query
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return onceResponse{}, fmt.Errorf("build request %s %q: %w", method, target, err)
	}
	req.RequestURI = target
	req.Header = in.header
	req.Host = in.header.Get("Host")
	req.ContentLength = int64(len(body))
	if in.sourceIP != "" {
		req.RemoteAddr = in.sourceIP + ":0"
	}
	var buf responseBuffer
	api.ServeHTTP(&buf, req)
	return onceResponse{status: buf.statusCode(), header: buf.Header(), body: buf.body.Bytes()}, nil
}

// encodeBody returns body as event text: itself when it is UTF-8, else base64.
func encodeBody(body []byte) (string, bool) {
	if utf8.Valid(body) {
		return string(body), false
	}
	return base64.StdEncoding.EncodeToString(body), true
}

// responseBuffer is an http.ResponseWriter that keeps the whole response in memory.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Header returns the response headers.
func (b *responseBuffer) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}

// WriteHeader records the first status code written.
func (b *responseBuffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// Write buffers p, sending an implicit 200 first as net/http does.
func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// statusCode is the status written, 200 when the handler wrote nothing.
func (b *responseBuffer) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

// sortedKeys returns the keys of h in order, for deterministic output.
func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
