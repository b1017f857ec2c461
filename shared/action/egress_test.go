package action

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestPublicAddress(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", false}, {"127.1.2.3", false}, {"::1", false}, // loopback
		{"169.254.169.254", false}, {"169.254.0.1", false}, {"fe80::1", false}, // link-local, metadata
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"172.31.255.255", false}, {"192.168.1.1", false}, // private
		{"fc00::1", false}, {"fd00:ec2::254", false}, // unique local, AWS IPv6 metadata
		{"100.64.0.1", false}, {"100.100.100.200", false}, {"100.127.255.255", false}, // shared, Alibaba metadata
		{"0.0.0.0", false}, {"::", false}, {"0.1.2.3", false}, // unspecified, "this network"
		{"224.0.0.1", false}, {"ff02::1", false}, {"255.255.255.255", false}, // multicast, broadcast
		{"::ffff:127.0.0.1", false}, {"::ffff:10.0.0.1", false}, {"::ffff:169.254.169.254", false}, // IPv4-mapped
		{"64:ff9b::a9fe:a9fe", false}, {"2002:a9fe:a9fe::1", false}, // NAT64 and 6to4 forms of 169.254.169.254
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"100.128.0.1", true}, {"172.32.0.1", true},
		{"2606:4700:4700::1111", true}, {"::ffff:8.8.8.8", true},
	}
	for _, tc := range tests {
		if got := PublicAddress(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("PublicAddress(%s) = %v, want %v", tc.addr, got, tc.want)
		}
	}
}

// fakeNet is an injected resolver and dialer: names resolve from a table, and a dial of a
// loopback address connects for real while any other address is recorded and refused, so no
// packet leaves loopback even if the policy under test is wrong.
type fakeNet struct {
	names map[string][]netip.Addr
	mu    sync.Mutex
	dials []string
}

func (f *fakeNet) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f.names[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (f *fakeNet) dial(ctx context.Context, network, address string) (net.Conn, error) {
	f.mu.Lock()
	f.dials = append(f.dials, address)
	f.mu.Unlock()
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return nil, errors.New("test network: only loopback is dialled")
	}
	return (&net.Dialer{}).DialContext(ctx, network, address)
}

func (f *fakeNet) dialled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dials...)
}

func TestHTTP_PublicOnly(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://10.0.0.5:8080/internal", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	loopback := netip.MustParsePrefix("127.0.0.0/8")

	t.Run("loopback refused without dialling", func(t *testing.T) {
		f := &fakeNet{}
		h := NewHTTP(HTTPOptions{PublicOnly: true, Resolver: f, Dial: f.dial})
		_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
		wantTaskError(t, err, ErrorHTTPHostNotAllowed, "127.0.0.1")
		if d := f.dialled(); len(d) != 0 {
			t.Errorf("dialled %v, want nothing", d)
		}
	})
	t.Run("loopback refused by the real dialer", func(t *testing.T) {
		before := hits.Load()
		h := NewHTTP(HTTPOptions{PublicOnly: true})
		_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
		wantTaskError(t, err, ErrorHTTPHostNotAllowed, "127.0.0.1")
		if hits.Load() != before {
			t.Errorf("the loopback server was reached")
		}
	})
	t.Run("IPv6 and mapped forms refused", func(t *testing.T) {
		f := &fakeNet{}
		h := NewHTTP(HTTPOptions{PublicOnly: true, Resolver: f, Dial: f.dial})
		for _, u := range []string{"http://[::1]:8080/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://[fd00:ec2::254]/", "http://100.100.100.200/"} {
			_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": u}))
			wantTaskError(t, err, ErrorHTTPHostNotAllowed, "")
		}
		if d := f.dialled(); len(d) != 0 {
			t.Errorf("dialled %v, want nothing", d)
		}
	})
	t.Run("a name resolving to the metadata service", func(t *testing.T) {
		f := &fakeNet{names: map[string][]netip.Addr{"metadata.evil.test": {netip.MustParseAddr("169.254.169.254")}}}
		h := NewHTTP(HTTPOptions{PublicOnly: true, Resolver: f, Dial: f.dial})
		_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": "http://metadata.evil.test/latest/meta-data/"}))
		wantTaskError(t, err, ErrorHTTPHostNotAllowed, "169.254.169.254")
		if d := f.dialled(); len(d) != 0 {
			t.Errorf("dialled %v, want nothing", d)
		}
	})
	t.Run("a name with a refused and a public address dials only the public one", func(t *testing.T) {
		f := &fakeNet{names: map[string][]netip.Addr{"mixed.test": {netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("93.184.216.34")}}}
		h := NewHTTP(HTTPOptions{PublicOnly: true, Resolver: f, Dial: f.dial})
		_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": "http://mixed.test/"}))
		wantTaskError(t, err, ErrorHTTPRequestFailed, "only loopback")
		if d := f.dialled(); len(d) != 1 || d[0] != "93.184.216.34:80" {
			t.Errorf("dialled %v, want only 93.184.216.34:80", d)
		}
	})
	t.Run("a redirect from an allowed address to a refused one", func(t *testing.T) {
		f := &fakeNet{}
		h := NewHTTP(HTTPOptions{PublicOnly: true, AllowRanges: []netip.Prefix{loopback}, Resolver: f, Dial: f.dial})
		_, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL + "/redirect"}))
		wantTaskError(t, err, ErrorHTTPHostNotAllowed, "10.0.0.5")
		if d := f.dialled(); len(d) != 1 || d[0] != srv.Listener.Addr().String() {
			t.Errorf("dialled %v, want only the loopback server", d)
		}
	})
	t.Run("an allowed range is served", func(t *testing.T) {
		h := NewHTTP(HTTPOptions{PublicOnly: true, AllowRanges: []netip.Prefix{loopback}})
		out, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": srv.URL}))
		if err != nil || out.(map[string]any)["Body"] != "ok" {
			t.Fatalf("Invoke in an allowed range = %v, %v, want Body ok", out, err)
		}
	})
	t.Run("an allowed host may resolve to a private address", func(t *testing.T) {
		f := &fakeNet{names: map[string][]netip.Addr{"internal.test": {netip.MustParseAddr("127.0.0.1")}}}
		h := NewHTTP(HTTPOptions{PublicOnly: true, AllowHosts: []string{"internal.test"}, Resolver: f,
			Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
				if address != "internal.test:"+strconv.Itoa(port) {
					return nil, errors.New("unexpected address " + address)
				}
				return f.dial(ctx, network, srv.Listener.Addr().String())
			}})
		out, err := h.Invoke(context.Background(), httpCall(map[string]any{"url": "http://internal.test:" + strconv.Itoa(port) + "/"}))
		if err != nil || out.(map[string]any)["Body"] != "ok" {
			t.Fatalf("Invoke of an allowed host = %v, %v, want Body ok", out, err)
		}
	})
	t.Run("the connect-time check refuses what slips through", func(t *testing.T) {
		e := newEgress(HTTPOptions{}, nil)
		if err := e.control("tcp4", "127.0.0.1:80", nil); !errors.Is(err, errAddressRefused) {
			t.Errorf("control(127.0.0.1:80) = %v, want errAddressRefused", err)
		}
		if err := e.control("tcp4", "93.184.216.34:80", nil); err != nil {
			t.Errorf("control(93.184.216.34:80) = %v, want nil", err)
		}
	})
}
