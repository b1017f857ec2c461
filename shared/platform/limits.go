package platform

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// Connections beyond the cap: how long writing the 503 may take, how many
// are drained at once before they are closed, and for how long.
const (
	rejectWrite  = 10 * time.Millisecond
	maxRejecting = 64
	rejectDrain  = 100 * time.Millisecond
)

// newServer returns the http.Server of an HTTP host with limits applied
// (zero fields: app's defaults; negative timeouts: none).
func newServer(h http.Handler, limits app.ServerLimits) *http.Server {
	limits = limits.WithDefaults()
	off := func(d time.Duration) time.Duration { return max(d, 0) }
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: off(limits.ReadHeaderTimeout),
		ReadTimeout:       off(limits.ReadTimeout),
		WriteTimeout:      off(limits.WriteTimeout),
		IdleTimeout:       off(limits.IdleTimeout),
		MaxHeaderBytes:    limits.MaxHeaderBytes,
	}
}

// capListener holds at most max connections open at once. A connection
// accepted beyond the cap is answered at once with 503 ServiceUnavailable
// (the API error body) and closed: by one of at most maxRejecting goroutines
// that first read what the client sent for up to rejectDrain, so that the
// close does not reset the connection before the client has read the
// answer, or, when they are all busy, right away. A flood never makes a
// connection wait and never grows memory beyond the cap.
type capListener struct {
	net.Listener
	max       int64
	open      atomic.Int64
	rejecting chan struct{}
	busy      []byte
}

func newCapListener(ln net.Listener, max int) *capListener {
	return &capListener{Listener: ln, max: int64(max), rejecting: make(chan struct{}, maxRejecting), busy: busyResponse()}
}

// Accept returns the next connection within the cap.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &capConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		if !l.answerBusy(c) {
			_ = c.Close()
			continue
		}
		select {
		case l.rejecting <- struct{}{}:
			go func() {
				defer func() { <-l.rejecting }()
				drainAndClose(c)
			}()
		default:
			_ = c.Close()
		}
	}
}

// answerBusy writes the 503 to c (a fresh socket's buffer takes it at once)
// and closes c's sending side.
func (l *capListener) answerBusy(c net.Conn) bool {
	_ = c.SetWriteDeadline(time.Now().Add(rejectWrite))
	if _, err := c.Write(l.busy); err != nil {
		return false
	}
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	return true
}

// drainAndClose reads what the client sent for up to rejectDrain and closes c.
func drainAndClose(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(rejectDrain))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, 1<<20))
	_ = c.Close()
}

// Open returns the number of connections held.
func (l *capListener) Open() int { return int(l.open.Load()) }

// capConn gives its slot back once, when closed.
type capConn struct {
	net.Conn
	l    *capListener
	once sync.Once
}

func (c *capConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// busyResponse is the 503 a connection beyond the cap gets (one request ID
// for all of them: no request was read).
func busyResponse() []byte {
	e := api.NewError(api.CodeServiceUnavailable)
	reqID := strings.ToUpper(uuid.NewString())
	body := e.Body(reqID, "")
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", e.Status, http.StatusText(e.Status))
	fmt.Fprintf(&b, "Content-Type: application/json;charset=utf-8\r\nx-acs-request-id: %s\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n", reqID, len(body))
	b.Write(body)
	return b.Bytes()
}
