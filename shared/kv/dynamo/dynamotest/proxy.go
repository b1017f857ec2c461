// Package dynamotest has test helpers for code on a DynamoDB-compatible
// server: Proxy, which counts the requests it forwards by operation and can
// lose an answer after the server applied the request.
package dynamotest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// targetPrefix starts the X-Amz-Target header of every DynamoDB operation.
const targetPrefix = "DynamoDB_20120810."

// Proxy forwards requests to a DynamoDB-compatible server on loopback. It
// counts them by operation, and while armed (LoseNext) it answers the next
// request of one operation with a 500 InternalServerError after the server
// has applied it, as DynamoDB may (its documentation: the operation may
// have succeeded), so the SDK's retryer sends the same request again.
type Proxy struct {
	// URL is the proxy's endpoint, for dynamo.NewLocalClient.
	URL string

	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	lose  string           // the operation whose next answer is lost; "" when disarmed
	lost  int              // answers lost
	calls map[string]int64 // requests by operation
}

// NewProxy starts a Proxy in front of the server at endpoint, closed when
// the test ends.
func NewProxy(t testing.TB, endpoint string) *Proxy {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("dynamotest: endpoint %q: %v", endpoint, err)
	}
	p := &Proxy{proxy: httputil.NewSingleHostReverseProxy(u), calls: map[string]int64{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// LoseNext arms the proxy to lose the answer of the next request of the
// operation op ("PutItem", "TransactWriteItems").
func (p *Proxy) LoseNext(op string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lose = op
}

// Lost returns how many answers the proxy lost.
func (p *Proxy) Lost() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// Calls returns how many requests of the operation op ("Scan", "Query")
// the server answered with success through the proxy.
func (p *Proxy) Calls(op string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	p.mu.Lock()
	lose := op != "" && op == p.lose
	if lose {
		p.lose = ""
		p.lost++
	}
	p.mu.Unlock()
	if !lose {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		p.proxy.ServeHTTP(sw, r)
		if sw.status < 300 { // a failed attempt the SDK retries is not counted
			p.mu.Lock()
			p.calls[op]++
			p.mu.Unlock()
		}
		return
	}
	rec := httptest.NewRecorder()
	p.proxy.ServeHTTP(rec, r) // applied by the server…
	_, _ = io.Copy(io.Discard, rec.Result().Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusInternalServerError) // …but the answer is lost
	_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"answer lost by dynamotest.Proxy"}`))
}

// statusWriter records the status of the answer it writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
