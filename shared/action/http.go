package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// ErrorHTTPHostNotAllowed is the error of an HTTP:Request whose URL (or a
// redirect) names a host outside HTTPOptions.AllowHosts.
// HTTPTaskTokenHeader carries the task token of a callback-mode
// HTTP:Request (reference 7.2, 7.4).
const HTTPTaskTokenHeader = "X-FnF-Http-Callback-Task-Token"

const ErrorHTTPHostNotAllowed = "HTTP.HostNotAllowed"

// httpMethods are the methods HTTP:Request accepts (reference 7.4).
var httpMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete, http.MethodHead}

// HTTPOptions configures HTTP. Zero fields take the documented defaults.
type HTTPOptions struct {
	// Client sends the requests; default a client on
	// http.DefaultTransport. HTTP copies it and, with AllowHosts, checks
	// redirects against the list.
	Client *http.Client
	// AllowHosts restricts the hosts requests may go to
	// (CLOUDFLOW_HTTP_ALLOW_HOSTS); empty allows any host (reference 7.4).
	// An entry is a host name ("api.example.com"), a host and port
	// ("127.0.0.1:8080") or a wildcard for subdomains ("*.example.com").
	// Matching ignores case.
	AllowHosts []string
	// PublicOnly restricts requests to public addresses (reference 7.4,
	// decision 64): every address dialled, after DNS resolution and on
	// every redirect, must pass PublicAddress, be in AllowRanges, or belong
	// to a host on AllowHosts; otherwise the task fails with
	// HTTP.HostNotAllowed. Off on the local development server only.
	PublicOnly bool
	// AllowRanges are address ranges PublicOnly lets through
	// (CLOUDFLOW_HTTP_ALLOW_RANGES).
	AllowRanges []netip.Prefix
	// Resolver and Dial replace the DNS resolver and the connect function
	// of PublicOnly (tests inject them so that nothing leaves loopback).
	Resolver Resolver
	Dial     func(ctx context.Context, network, address string) (net.Conn, error)
	// MaxResponseBytes bounds the response body HTTP reads; default 64 KiB
	// (the largest state output). A larger 2xx body fails the task with
	// FnF.InvalidData.
	MaxResponseBytes int64
}

// HTTP runs HTTP:Request Tasks (reference 7.4). It is safe for concurrent
// use.
type HTTP struct {
	client   *http.Client
	allow    []string
	maxBytes int64
}

// NewHTTP returns an HTTP runner.
func NewHTTP(opts HTTPOptions) *HTTP {
	h := &HTTP{maxBytes: opts.MaxResponseBytes}
	if h.maxBytes <= 0 {
		h.maxBytes = defaultMaxResponseBytes
	}
	for _, a := range opts.AllowHosts {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			h.allow = append(h.allow, a)
		}
	}
	c := &http.Client{}
	if opts.Client != nil {
		cp := *opts.Client
		c = &cp
	}
	if opts.PublicOnly {
		eg := newEgress(opts, func(hostPort string) bool {
			return len(h.allow) > 0 && h.allowed(&url.URL{Host: hostPort})
		})
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil // a proxy would dial on the flow's behalf
		t.DialContext = eg.DialContext
		c.Transport = t
	}
	if len(h.allow) > 0 {
		next := c.CheckRedirect
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if !h.allowed(req.URL) {
				return &interp.Error{Name: ErrorHTTPHostNotAllowed, Detail: fmt.Sprintf("redirect to host %s is not allowed", req.URL.Host)}
			}
			if next != nil {
				return next(req, via)
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}
	}
	h.client = c
	return h
}

// allowed reports whether u's host is on the allow-list (or there is none).
func (h *HTTP) allowed(u *url.URL) bool {
	if len(h.allow) == 0 {
		return true
	}
	host, hostPort := strings.ToLower(u.Hostname()), strings.ToLower(u.Host)
	for _, a := range h.allow {
		switch {
		case a == host, a == hostPort:
			return true
		case strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:]) && len(host) > len(a)-1:
			return true
		}
	}
	return false
}

// httpRequest is a validated HTTP:Request call.
type httpRequest struct {
	url     *url.URL
	method  string
	headers http.Header
	body    []byte
	hasBody bool
}

// parseHTTP validates call's Parameters.
func parseHTTP(call interp.TaskCall) (*httpRequest, error) {
	const bad = ErrorHTTPInvalidArgument
	p, err := paramMap(call, bad, httpParameterKeys)
	if err != nil {
		return nil, err
	}
	raw, err := stringParam(p, call.Action, "url", true, bad)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, failf(bad, "HTTP:Request Parameters.url %q is not a URL", raw)
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		return nil, failf(bad, "HTTP:Request Parameters.url %q must be an absolute http or https URL", raw)
	}
	r := &httpRequest{url: u, method: http.MethodGet, headers: http.Header{}}
	m, err := stringParam(p, call.Action, "method", false, bad)
	if err != nil {
		return nil, err
	}
	if m != "" {
		r.method = ""
		for _, ok := range httpMethods {
			if strings.EqualFold(strings.TrimSpace(m), ok) {
				r.method = ok
			}
		}
		if r.method == "" {
			return nil, failf(bad, "HTTP:Request Parameters.method %q must be one of %s", m, strings.Join(httpMethods, ", "))
		}
	}
	if hv, ok := p["headers"]; ok && hv != nil {
		hm, ok := hv.(map[string]any)
		if !ok {
			return nil, failf(bad, "HTTP:Request Parameters.headers must be an object, got %s", value.Describe(hv))
		}
		for name, v := range hm {
			if err := addHeader(r.headers, name, v); err != nil {
				return nil, err
			}
		}
	}
	if bv, ok := p["body"]; ok && bv != nil {
		data, isJSON, err := payload(bv)
		if err != nil {
			return nil, failf(bad, "HTTP:Request Parameters.body: %v", err)
		}
		r.body, r.hasBody = data, true
		if isJSON && r.headers.Get("Content-Type") == "" {
			r.headers.Set("Content-Type", "application/json")
		}
	}
	return r, nil
}

// addHeader adds one headers entry: a string, number or boolean, or an
// array of them for repeated values.
func addHeader(h http.Header, name string, v any) error {
	const bad = ErrorHTTPInvalidArgument
	if name == "" || strings.ContainsAny(name, " \t\r\n:") {
		return failf(bad, "HTTP:Request Parameters.headers has an invalid header name %q", name)
	}
	vals, ok := v.([]any)
	if !ok {
		vals = []any{v}
	}
	for _, e := range vals {
		var s string
		switch t := e.(type) {
		case string:
			s = t
		case bool:
			s = strconv.FormatBool(t)
		case int64:
			s = strconv.FormatInt(t, 10)
		case float64:
			s = strconv.FormatFloat(t, 'g', -1, 64)
		default:
			return failf(bad, "HTTP:Request Parameters.headers.%s must be a string, number or boolean, got %s", name, value.Describe(e))
		}
		if strings.ContainsAny(s, "\r\n") {
			return failf(bad, "HTTP:Request Parameters.headers.%s must not contain line breaks", name)
		}
		h.Add(name, s)
	}
	return nil
}

// Invoke sends the request call's Parameters describe and returns
// {"Header", "Code", "Body"} (reference 7.4); a call with a TaskToken (the
// callback modes) sends it in HTTPTaskTokenHeader. Errors (*interp.Error):
// HTTP.InvalidArgument for bad Parameters, HTTP.HostNotAllowed for a host
// outside the allow-list, HTTP.RequestFailed when no response arrived,
// HTTP.<status> for a non-2xx status (detail: the body's first 4,096
// characters), FnF.InvalidData for a 2xx body above MaxResponseBytes. When
// ctx ends first it returns ctx's cause (not an *interp.Error), so the
// engine reports FnF.Timeout for a Task Timeout.
func (h *HTTP) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	r, err := parseHTTP(call)
	if err != nil {
		return nil, err
	}
	if !h.allowed(r.url) {
		return nil, failf(ErrorHTTPHostNotAllowed, "host %s is not allowed (%s)", r.url.Host, "CLOUDFLOW_HTTP_ALLOW_HOSTS")
	}
	var body io.Reader
	if r.hasBody {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url.String(), body)
	if err != nil {
		return nil, failf(ErrorHTTPInvalidArgument, "HTTP:Request: %v", err)
	}
	req.Header = r.headers
	if call.TaskToken != "" {
		req.Header.Set(HTTPTaskTokenHeader, call.TaskToken)
	}
	if host := r.headers.Get("Host"); host != "" {
		req.Host = host
	}
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxFailure(ctx, "HTTP:Request "+r.method+" "+r.url.Redacted())
		}
		var ie *interp.Error
		if errors.As(err, &ie) {
			return nil, ie
		}
		if errors.Is(err, errAddressRefused) {
			return nil, failf(ErrorHTTPHostNotAllowed, "%s %s: %v (only public addresses may be called; see CLOUDFLOW_HTTP_ALLOW_RANGES)", r.method, r.url.Redacted(), unwrapURLError(err))
		}
		return nil, failf(ErrorHTTPRequestFailed, "%s %s: %v", r.method, r.url.Redacted(), unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, h.maxBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxFailure(ctx, "HTTP:Request "+r.method+" "+r.url.Redacted())
		}
		return nil, failf(ErrorHTTPRequestFailed, "%s %s: read response: %v", r.method, r.url.Redacted(), err)
	}
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		return nil, failf(errorPrefixHTTP+strconv.Itoa(resp.StatusCode), "%s", truncate(string(data), maxErrorDetail))
	}
	if int64(len(data)) > h.maxBytes {
		return nil, failf(interp.ErrorInvalidData, "HTTP:Request %s %s: response body exceeds %d bytes", r.method, r.url.Redacted(), h.maxBytes)
	}
	header := make(map[string]any, len(resp.Header))
	for name, vals := range resp.Header {
		header[name] = strings.Join(vals, ",")
	}
	var out any = string(data)
	if isJSONType(resp.Header.Get("Content-Type")) {
		out = decodeOrString(data)
	}
	return map[string]any{"Header": header, "Code": int64(resp.StatusCode), "Body": out}, nil
}

// isJSONType reports whether a Content-Type value is application/json.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// method and URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// ParameterKeys returns the Parameters keys HTTP:Request accepts.
func (*HTTP) ParameterKeys() []string { return slices.Clone(httpParameterKeys) }
