package platform

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// The hostile-client suite: the real App (memory store) served by Serve on loopback with short
// limits, attacked the way the first review did. Figures are logged (go test -v -run Hostile).

// hostileLimits are short limits so the suite runs in seconds.
var hostileLimits = app.ServerLimits{
	ReadHeaderTimeout: 300 * time.Millisecond,
	ReadTimeout:       500 * time.Millisecond,
	WriteTimeout:      2 * time.Second,
	IdleTimeout:       400 * time.Millisecond,
	MaxHeaderBytes:    8 << 10,
	MaxConns:          32,
}

// closeSlack is how much later than its timeout a connection may be closed.
const closeSlack = 1500 * time.Millisecond

// startApp serves a fresh App on loopback within limits and returns its address.
func startApp(t *testing.T, limits app.ServerLimits) string {
	t.Helper()
	a, err := app.New(app.Config{Store: app.StoreMemory, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := startServe(t, Local, Service{API: a.Handler, OnEvent: a.OnEvent}, Options{Addr: "127.0.0.1:0", Limits: limits})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
		_ = a.Close()
	})
	return addr
}

// timeToClose reads c until the server closes it (or answers and then closes) and returns how
// long that took from start; it fails the test when c is still open after limit.
func timeToClose(t *testing.T, c net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("connection still open after %s", limit)
	}
	return time.Since(start)
}

// dialN opens n loopback connections to addr.
func dialN(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return conns
}

// closeTimes waits for every connection to be closed by the server and returns the longest wait.
func closeTimes(t *testing.T, conns []net.Conn, start time.Time, limit time.Duration) time.Duration {
	t.Helper()
	var (
		mu      sync.Mutex
		longest time.Duration
		wg      sync.WaitGroup
	)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := timeToClose(t, c, start, limit)
			mu.Lock()
			longest = max(longest, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return longest
}

func TestHostile_SlowBodyClosedWithinReadTimeout(t *testing.T) {
	addr := startApp(t, hostileLimits)
	conns := dialN(t, addr, 16) // within the cap: these are served, slowly
	start := time.Now()
	for _, c := range conns {
		_, _ = io.WriteString(c, "POST /?Action=ListFlows&Version=2019-03-15 HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nA")
	}
	longest := closeTimes(t, conns, start, hostileLimits.ReadTimeout+closeSlack)
	t.Logf("slow body: %d connections held, all closed within %s (ReadTimeout %s)", len(conns), longest.Round(time.Millisecond), hostileLimits.ReadTimeout)
}

func TestHostile_IdleKeepAliveClosedWithinIdleTimeout(t *testing.T) {
	addr := startApp(t, hostileLimits)
	conns := dialN(t, addr, 16)
	for _, c := range conns {
		_, _ = io.WriteString(c, "GET /?Action=ListFlows&Version=2019-03-15 HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("ListFlows = %d, want 200", res.StatusCode)
		}
	}
	start := time.Now() // every connection is now idle
	longest := closeTimes(t, conns, start, hostileLimits.IdleTimeout+closeSlack)
	t.Logf("idle keep-alive: %d connections, all closed within %s (IdleTimeout %s)", len(conns), longest.Round(time.Millisecond), hostileLimits.IdleTimeout)
}

func TestHostile_SilentConnectionsClosedWithinReadHeaderTimeout(t *testing.T) {
	addr := startApp(t, hostileLimits)
	conns := dialN(t, addr, 16)
	start := time.Now()
	longest := closeTimes(t, conns, start, hostileLimits.ReadHeaderTimeout+closeSlack)
	t.Logf("silent: %d connections, all closed within %s (ReadHeaderTimeout %s)", len(conns), longest.Round(time.Millisecond), hostileLimits.ReadHeaderTimeout)
}

// TestHostile_FloodBeyondCap holds the whole connection cap with slow bodies and floods the
// server with more connections: every one beyond the cap gets a fast 503 (or is closed), never
// hangs, and a well-behaved client retrying on 503 is served once the timeouts free the slots.
func TestHostile_FloodBeyondCap(t *testing.T) {
	addr := startApp(t, hostileLimits)
	held := dialN(t, addr, hostileLimits.MaxConns)
	for _, c := range held {
		_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nA")
	}
	time.Sleep(50 * time.Millisecond) // let the server accept them
	const flood = 200
	extra := dialN(t, addr, flood)
	start := time.Now()
	var busy, closed int
	for _, c := range extra {
		_ = c.SetReadDeadline(time.Now().Add(closeSlack))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("a connection beyond the cap hangs: %v", err)
			}
			closed++
			continue
		}
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || body["Code"] != "ServiceUnavailable" {
			t.Errorf("beyond the cap: %d %v, want 503 ServiceUnavailable", res.StatusCode, body)
		}
		busy++
	}
	rejectAll := time.Since(start)

	// A well-behaved client: retries on 503 until the slow bodies time out.
	client := &http.Client{Timeout: 5 * time.Second}
	start = time.Now()
	var served bool
	for attempt := 0; time.Since(start) < hostileLimits.ReadTimeout+3*closeSlack; attempt++ {
		res, err := client.Get("http://" + addr + "/?Action=ListFlows&Version=2019-03-15")
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				served = true
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !served {
		t.Fatalf("a well-behaved client was not served within %s of a flood", time.Since(start))
	}
	t.Logf("flood: cap %d held by slow bodies, %d more connections answered in %s (%d got 503, %d closed unanswered); well-behaved client served after %s",
		hostileLimits.MaxConns, flood, rejectAll.Round(time.Millisecond), busy, closed, time.Since(start).Round(time.Millisecond))
}

func TestHostile_HeaderTooLarge(t *testing.T) {
	addr := startApp(t, hostileLimits)
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/?Action=ListFlows&Version=2019-03-15", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*hostileLimits.MaxHeaderBytes))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("header of %d bytes = %d, want 431", 2*hostileLimits.MaxHeaderBytes, res.StatusCode)
	}
}

// TestHostile_RSSBounded holds far more slow-body connections than the cap and checks that the
// process's resident memory grows by less than a fixed bound.
func TestHostile_RSSBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 2,000 connections")
	}
	limits := hostileLimits
	limits.ReadTimeout = 5 * time.Second // long enough to hold them while measuring
	limits.MaxConns = 256
	addr := startApp(t, limits)
	before := rss(t)
	n := 2000
	var lim syscall.Rlimit // client and server ends both take a descriptor
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < uint64(2*n+256) {
		n = max(100, int(lim.Cur)/2-256)
	}
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break // the client side ran out of descriptors: what was opened still counts
		}
		conns = append(conns, c)
		_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"+strings.Repeat("A", 1000))
	}
	time.Sleep(300 * time.Millisecond)
	after := rss(t)
	const bound = 64 << 20
	if after-before > bound {
		t.Errorf("RSS grew by %d MiB holding %d hostile connections, want under %d MiB", (after-before)>>20, len(conns), bound>>20)
	}
	t.Logf("RSS: %d hostile connections against a cap of %d: %d MiB before, %d MiB after (+%d KiB)",
		len(conns), limits.MaxConns, before>>20, after>>20, (after-before)>>10)
}

// rss returns the process's resident set size in bytes (Linux), or skips.
func rss(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmRSS line")
	return 0
}

func TestFCWriteTimeout(t *testing.T) {
	tests := []struct {
		name               string
		configured, fnTime time.Duration
		want               time.Duration
	}{
		{"unknown function timeout: none", 75 * time.Second, 0, -1},
		{"short function: the configured timeout", 75 * time.Second, 30 * time.Second, 75 * time.Second},
		{"long function: its timeout plus the margin", 75 * time.Second, 600 * time.Second, 610 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fcWriteTimeout(tc.configured, tc.fnTime); got != tc.want {
				t.Errorf("fcWriteTimeout(%s, %s) = %s, want %s", tc.configured, tc.fnTime, got, tc.want)
			}
		})
	}
}

// TestHostile_DocumentedErrors sends each hostile request of the first review to the real server
// and checks its documented 4xx.
func TestHostile_DocumentedErrors(t *testing.T) {
	addr := startApp(t, hostileLimits)
	base := "http://" + addr + "/?Version=2019-03-15&Action="
	long := strings.Repeat("n", 2000)
	deep := `{"x":` + strings.Repeat("[", 32000) + strings.Repeat("]", 32000) + `}`
	tests := []struct {
		name, method, target, ctype, body string
		status                            int
		code                              string
	}{
		{"over-long NextToken", "GET", base + "ListExecutions&FlowName=f&NextToken=" + long, "", "", 400, "InvalidArgument"},
		{"over-long Qualifier", "POST", base + "StartExecution", "application/x-www-form-urlencoded", "FlowName=f&Qualifier=" + long, 400, "InvalidArgument"},
		{"over-long ListFlows NextToken", "GET", base + "ListFlows&NextToken=" + long, "", "", 400, "InvalidArgument"},
		{"over-long alias NextToken", "GET", base + "ListFlowAliases&FlowName=f&NextToken=" + long, "", "", 400, "InvalidArgument"},
		{"broken JSON", "POST", base + "ListFlows", "application/json", `{"Limit": 5,`, 400, "InvalidArgument"},
		{"array body", "POST", base + "ListFlows", "application/json", `[1]`, 400, "InvalidArgument"},
		{"XML body", "POST", base + "ListFlows", "application/xml", `<a/>`, 415, "UnsupportedMediaType"},
		{"deep Input", "POST", base + "StartExecution", "application/json", `{"FlowName":"f","Input":` + strconv.Quote(deep) + `}`, 400, "InvalidArgument"},
		{"invalid UTF-8 Input", "POST", base + "StartExecution", "application/x-www-form-urlencoded", "FlowName=f&Input=%7B%22a%22%3A%22%FF%22%7D", 400, "InvalidArgument"},
		{"TRACE", "TRACE", base + "ListFlows", "", "", 405, "MethodNotAllowed"},
		{"body over 1 MiB", "POST", base + "ListFlows", "application/x-www-form-urlencoded", "Limit=1&x=" + strings.Repeat("x", 1<<20), 400, "EntityTooLarge"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = res.Body.Close() }()
			var body map[string]any
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatalf("%d, body is not JSON: %v", res.StatusCode, err)
			}
			if res.StatusCode != tc.status || body["Code"] != tc.code {
				t.Errorf("= %d %v, want %d %s", res.StatusCode, body, tc.status, tc.code)
			}
		})
	}
}
