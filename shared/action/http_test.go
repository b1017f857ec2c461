package action

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// seen is what a test server received.
type seen struct {
	method, path, body string
	header             http.Header
}

// echoServer records each request and answers with status, content type
// and body.
func echoServer(t *testing.T, status int, contentType, body string) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.method, s.path, s.body, s.header = r.Method, r.URL.RequestURI(), string(b), r.Header.Clone()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, s
}

func httpCall(params map[string]any) interp.TaskCall {
	return interp.TaskCall{Execution: "e1", State: "Notify", Action: ActionHTTPRequest, Parameters: params}
}

// wantError checks that err is an *interp.Error named name whose detail
// contains detail.
func wantTaskError(t *testing.T, err error, name, detail string) {
	t.Helper()
	var ie *interp.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error = %v (%T), want *interp.Error %s", err, err, name)
	}
	if ie.Name != name || !strings.Contains(ie.Detail, detail) {
		t.Fatalf("error = %s: %q, want %s containing %q", ie.Name, ie.Detail, name, detail)
	}
}

func TestHTTP_Invoke_Methods(t *testing.T) {
	for _, tc := range []struct{ name, method, want string }{
		{"default", "", "GET"},
		{"get lower", "get", "GET"},
		{"docs spelling", "Get", "GET"},
		{"post", "POST", "POST"},
		{"patch", "patch", "PATCH"},
		{"put", "Put", "PUT"},
		{"delete", "DELETE", "DELETE"},
		{"head", "head", "HEAD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := echoServer(t, 200, "text/plain", "hello")
			p := map[string]any{"url": srv.URL + "/x?q=1"}
			if tc.method != "" {
				p["method"] = tc.method
			}
			out, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(p))
			if err != nil {
				t.Fatal(err)
			}
			if s.method != tc.want || s.path != "/x?q=1" {
				t.Errorf("server saw %s %s, want %s /x?q=1", s.method, s.path, tc.want)
			}
			m := out.(map[string]any)
			wantBody := "hello"
			if tc.want == "HEAD" {
				wantBody = ""
			}
			if m["Code"] != int64(200) || m["Body"] != wantBody {
				t.Errorf("Invoke() = %v, want Code 200 Body %q", m, wantBody)
			}
		})
	}
}

func TestHTTP_Invoke_RequestShape(t *testing.T) {
	for _, tc := range []struct {
		name            string
		params          map[string]any
		wantBody        string
		wantContentType string
	}{
		{"string body as is", map[string]any{"body": `{"not":"re-encoded"}  `}, `{"not":"re-encoded"}  `, ""},
		{"object body as JSON", map[string]any{"body": map[string]any{"order": int64(7), "ok": true}}, `{"ok":true,"order":7}`, "application/json"},
		{"array body as JSON", map[string]any{"body": []any{"a", 1.5}}, `["a",1.5]`, "application/json"},
		{"content type kept", map[string]any{"body": map[string]any{"a": "b"}, "headers": map[string]any{"content-type": "application/vnd.x+json"}}, `{"a":"b"}`, "application/vnd.x+json"},
		{"no body", map[string]any{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, s := echoServer(t, 200, "", "")
			tc.params["url"] = srv.URL
			tc.params["method"] = "POST"
			if _, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(tc.params)); err != nil {
				t.Fatal(err)
			}
			if s.body != tc.wantBody {
				t.Errorf("body = %q, want %q", s.body, tc.wantBody)
			}
			if got := s.header.Get("Content-Type"); got != tc.wantContentType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantContentType)
			}
		})
	}
}

func TestHTTP_Invoke_Headers(t *testing.T) {
	srv, s := echoServer(t, 200, "", "")
	p := map[string]any{"url": srv.URL, "headers": map[string]any{
		"X-Source": "cloudflow", "X-Count": int64(3), "X-Flag": true, "X-List": []any{"a", "b"},
	}}
	out, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(p))
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"X-Source": "cloudflow", "X-Count": "3", "X-Flag": "true"} {
		if got := s.header.Get(k); got != want {
			t.Errorf("request header %s = %q, want %q", k, got, want)
		}
	}
	if got := s.header.Values("X-List"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("request header X-List = %q, want [a b]", got)
	}
	h := out.(map[string]any)["Header"].(map[string]any)
	if h["X-Multi"] != "a,b" {
		t.Errorf("Header[X-Multi] = %v, want a,b (values joined by a comma)", h["X-Multi"])
	}
}

func TestHTTP_Invoke_ResponseBody(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body string
		want                    any
	}{
		{"json decoded", "application/json; charset=utf-8", `{"id":1,"f":2.5,"l":[true]}`, map[string]any{"id": int64(1), "f": 2.5, "l": []any{true}}},
		{"json not parsing stays text", "application/json", `{broken`, `{broken`},
		{"text looking like json stays text", "text/plain", `{"id":1}`, `{"id":1}`},
		{"no content type", "", `[1]`, `[1]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := echoServer(t, 201, tc.contentType, tc.body)
			out, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
			if err != nil {
				t.Fatal(err)
			}
			m := out.(map[string]any)
			if !value.Equal(m["Body"], tc.want) || m["Code"] != int64(201) {
				t.Errorf("Invoke() = %#v, want Code 201 Body %#v", m, tc.want)
			}
		})
	}
}

func TestHTTP_Invoke_Non2xx(t *testing.T) {
	long := strings.Repeat("é", 5000)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
		detail string
	}{
		{"503", 503, "busy", "HTTP.503", "busy"},
		{"404", 404, "", "HTTP.404", ""},
		{"302 without location", 302, "moved", "HTTP.302", "moved"},
		{"detail truncated to 4096 characters", 500, long, "HTTP.500", strings.Repeat("é", 4096)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := echoServer(t, tc.status, "text/plain", tc.body)
			_, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
			var ie *interp.Error
			if !errors.As(err, &ie) || ie.Name != tc.want || ie.Detail != tc.detail {
				t.Fatalf("Invoke() error = %v, want %s with detail of %d bytes", err, tc.want, len(tc.detail))
			}
		})
	}
}

func TestHTTP_Invoke_ConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(map[string]any{"url": "http://" + addr + "/"}))
	wantTaskError(t, err, ErrorHTTPRequestFailed, addr)
}

func TestHTTP_Invoke_ContextTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeoutCause(context.Background(), 50*time.Millisecond, interp.ErrTaskTimeout)
	defer cancel()
	_, err := NewHTTP(HTTPOptions{}).Invoke(ctx, httpCall(map[string]any{"url": srv.URL}))
	var ie *interp.Error
	if errors.As(err, &ie) || !errors.Is(err, interp.ErrTaskTimeout) {
		t.Fatalf("Invoke() error = %v, want the context's cause (interp.ErrTaskTimeout), not an *interp.Error", err)
	}
}

func TestHTTP_Invoke_AllowHosts(t *testing.T) {
	srv, s := echoServer(t, 200, "", "ok")
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	for _, tc := range []struct {
		name  string
		allow []string
		url   string
		ok    bool
	}{
		{"empty list allows any", nil, srv.URL, true},
		{"host name", []string{"LocalHost"}, "http://localhost:" + port, true},
		{"host and port", []string{"127.0.0.1:" + port}, srv.URL, true},
		{"other port", []string{"127.0.0.1:1"}, srv.URL, false},
		{"other host", []string{"example.com"}, srv.URL, false},
		{"wildcard does not match the apex", []string{"*.localhost"}, "http://localhost:" + port, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.method = ""
			_, err := NewHTTP(HTTPOptions{AllowHosts: tc.allow}).Invoke(context.Background(), httpCall(map[string]any{"url": tc.url}))
			if tc.ok {
				if err != nil || s.method != "GET" {
					t.Fatalf("Invoke() = %v (server saw %q), want a GET", err, s.method)
				}
				return
			}
			wantTaskError(t, err, ErrorHTTPHostNotAllowed, "not allowed")
			if s.method != "" {
				t.Errorf("server was reached (%s); the allow-list must be checked before connecting", s.method)
			}
		})
	}
}

func TestHTTP_Invoke_AllowHostsRedirect(t *testing.T) {
	target, s := echoServer(t, 200, "", "ok")
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()
	allowed := strings.TrimPrefix(redirect.URL, "http://")
	_, err := NewHTTP(HTTPOptions{AllowHosts: []string{allowed}}).Invoke(context.Background(), httpCall(map[string]any{"url": redirect.URL}))
	wantTaskError(t, err, ErrorHTTPHostNotAllowed, "redirect")
	if s.method != "" {
		t.Errorf("redirect target was reached")
	}
}

func TestHTTP_Invoke_OversizedResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		ok   bool
	}{
		{"at the limit", 64 << 10, true},
		{"one byte over", 64<<10 + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := echoServer(t, 200, "text/plain", strings.Repeat("x", tc.size))
			out, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
			if tc.ok {
				if err != nil || len(out.(map[string]any)["Body"].(string)) != tc.size {
					t.Fatalf("Invoke() error = %v, want a %d-byte Body", err, tc.size)
				}
				return
			}
			wantTaskError(t, err, interp.ErrorInvalidData, "65536")
		})
	}
}

func TestHTTP_Invoke_InvalidParameters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params any
		detail string
	}{
		{"not an object", "x", "must be an object"},
		{"missing url", map[string]any{}, "url is required"},
		{"url not a string", map[string]any{"url": int64(1)}, "url must be a string"},
		{"relative url", map[string]any{"url": "/path"}, "absolute"},
		{"ftp url", map[string]any{"url": "ftp://h/x"}, "http or https"},
		{"bad method", map[string]any{"url": "http://h", "method": "TRACE"}, "method"},
		{"headers not object", map[string]any{"url": "http://h", "headers": "x"}, "headers must be an object"},
		{"header value object", map[string]any{"url": "http://h", "headers": map[string]any{"a": map[string]any{}}}, "headers.a"},
		{"header injection", map[string]any{"url": "http://h", "headers": map[string]any{"a": "x\r\nB: y"}}, "line breaks"},
		{"bad header name", map[string]any{"url": "http://h", "headers": map[string]any{"a b": "x"}}, "header name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := httpCall(nil)
			call.Parameters = tc.params
			_, err := NewHTTP(HTTPOptions{}).Invoke(context.Background(), call)
			wantTaskError(t, err, ErrorHTTPInvalidArgument, tc.detail)
		})
	}
}
