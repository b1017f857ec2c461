package platform

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServe runs Serve in the background and returns the bound address and a stop function
// that cancels it and returns Serve's error.
func startServe(t *testing.T, host Host, svc Service, opts Options) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	opts.Ready = func(a net.Addr) { ready <- a }
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, host, svc, opts) }()
	select {
	case a := <-ready:
		return a.String(), func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("Serve(%s) returned early: %v", host, err)
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatalf("Serve(%s) did not start", host)
	}
	return "", nil
}

func TestServe_Local(t *testing.T) {
	addr, stop := startServe(t, Local, Service{API: echoAPI()}, Options{Addr: "127.0.0.1:0"})
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("local address = %s, want loopback", addr)
	}
	res, err := http.Get("http://" + addr + "/?Action=ListFlows")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if e := decodeEcho(t, body); e.RawQuery != "Action=ListFlows" {
		t.Errorf("served query = %q, want Action=ListFlows", e.RawQuery)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve after cancel = %v, want nil", err)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}

func TestServe_FCBindsAllInterfaces(t *testing.T) {
	var rec eventRecorder
	addr, stop := startServe(t, FC, Service{API: echoAPI(), OnEvent: rec.handle}, Options{FCPort: "0"})
	if !strings.HasPrefix(addr, "0.0.0.0:") && !strings.HasPrefix(addr, "[::]:") {
		t.Errorf("FC address = %s, want all interfaces", addr)
	}
	_, port, _ := net.SplitHostPort(addr)
	req, _ := http.NewRequest("POST", "http://127.0.0.1:"+port+"/invoke", strings.NewReader(`{"op":"sweep"}`))
	req.Header.Set("x-fc-control-path", "/invoke")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 || len(rec.got()) != 1 {
		t.Errorf("event invoke = %d with %d events, want 200 and 1", res.StatusCode, len(rec.got()))
	}
	if err := stop(); err != nil {
		t.Errorf("Serve after cancel = %v, want nil", err)
	}
}

func TestServe_ListenError(t *testing.T) {
	err := Serve(context.Background(), Local, Service{API: echoAPI()}, Options{Addr: "256.0.0.1:1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		t.Fatal("Serve on an invalid address = nil, want an error")
	}
}

func TestServe_UnknownHost(t *testing.T) {
	if err := Serve(context.Background(), Host("mainframe"), Service{API: echoAPI()}, Options{}); err == nil {
		t.Fatal("Serve(mainframe) = nil, want an error")
	}
}
