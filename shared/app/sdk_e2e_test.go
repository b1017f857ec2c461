package app_test

// End-to-end tests: the real local endpoint (platform.Serve on the Local
// host, an App with bbolt in a temporary directory, exactly what
// `go run ./functions/local` assembles) driven by the generic Alibaba Cloud
// OpenAPI client the official fnf SDK is built on, once with the classic
// RPC HMAC-SHA1 signature (SignatureAlgorithm "v2", what the fnf SDK sends)
// and once with the default ACS3-HMAC-SHA256 signature (platforms.md 11).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/platform"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

// Access keys of the tests: alice and carol share account 1111, bob is 2222.
const testKeys = "alice:alice-secret@1111,bob:bob-secret@2222,carol:carol-secret@1111"

// clock is the server's injectable clock; zero offset is the real time.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) set(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}

// rawRequest is one request as the endpoint received it.
type rawRequest struct {
	method, uri, host string
	header            http.Header
	body              []byte
}

// endpoint is a running local endpoint.
type endpoint struct {
	addr  string
	clock *clock
	mu    sync.Mutex
	last  rawRequest // the last request received
}

func (e *endpoint) lastRequest() rawRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.last
}

// startEndpoint serves an App configured by cfg (keys, throttling) on a
// loopback port the way functions/local does, recording every request it
// receives, and stops it when the test ends.
func startEndpoint(t *testing.T, cfg app.Config) *endpoint {
	t.Helper()
	e := &endpoint{clock: &clock{}}
	cfg.DataDir = t.TempDir()
	cfg.Workers = 2
	cfg.Now = e.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tap := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.last = rawRequest{method: r.Method, uri: r.RequestURI, host: r.Host, header: r.Header.Clone(), body: body}
		e.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		a.Handler.ServeHTTP(w, r)
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- platform.Serve(ctx, platform.Local, platform.Service{API: tap, OnEvent: a.OnEvent},
			platform.Options{Addr: "127.0.0.1:0", Logger: cfg.Logger, Ready: func(addr net.Addr) { ready <- addr }})
	}()
	select {
	case addr := <-ready:
		e.addr = addr.String()
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e
}

// clientOptions describe one SDK client.
type clientOptions struct {
	classic       bool   // RPC HMAC-SHA1 ("v2"), else ACS3
	keyID, secret string // credentials
	token         string // STS security token
	endpoint      string // host:port the client names; default the server's address
	proxy         string // http://host:port the client connects through
}

func newClient(t *testing.T, e *endpoint, o clientOptions) *openapi.Client {
	t.Helper()
	cfg := &openapi.Config{
		AccessKeyId:     dara.String(o.keyID),
		AccessKeySecret: dara.String(o.secret),
		Endpoint:        dara.String(e.addr),
		Protocol:        dara.String("http"),
		ReadTimeout:     dara.Int(20_000),
		ConnectTimeout:  dara.Int(5_000),
		NoProxy:         dara.String(e.addr),
	}
	if o.token != "" {
		cfg.SecurityToken = dara.String(o.token)
	}
	if o.endpoint != "" {
		cfg.Endpoint = dara.String(o.endpoint)
		cfg.NoProxy = nil
	}
	if o.proxy != "" {
		cfg.HttpProxy = dara.String(o.proxy)
	}
	if o.classic {
		cfg.SignatureAlgorithm = dara.String("v2")
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// reads are the operations the official SDK sends as GET with a query.
var reads = map[string]bool{"DescribeFlow": true, "ListFlows": true, "DescribeExecution": true, "ListExecutions": true}

// call issues one CloudFlow operation as the official SDK does and returns
// the decoded body.
func call(c *openapi.Client, action string, params map[string]string) (map[string]any, error) {
	return callAs(c, "AK", action, params)
}

func callAs(c *openapi.Client, authType, action string, params map[string]string) (map[string]any, error) {
	method, req := "POST", &openapi.OpenApiRequest{}
	if reads[action] {
		method, req.Query = "GET", map[string]*string{}
		for k, v := range params {
			req.Query[k] = dara.String(v)
		}
	} else {
		body := map[string]any{}
		for k, v := range params {
			body[k] = v
		}
		req.Body = body
	}
	res, err := c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2019-03-15"),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String(method),
		AuthType: dara.String(authType), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := res["body"].(map[string]any)
	return body, nil
}

func mustCall(t *testing.T, c *openapi.Client, action string, params map[string]string) map[string]any {
	t.Helper()
	body, err := call(c, action, params)
	if err != nil {
		t.Fatalf("%s(%v): %v", action, params, err)
	}
	if s, _ := body["RequestId"].(string); s == "" {
		t.Fatalf("%s(%v) = %v: no RequestId", action, params, body)
	}
	return body
}

// wantSDKError asserts err is a *tea.SDKError with code and HTTP status.
func wantSDKError(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	var sdkErr *tea.SDKError
	if !errors.As(err, &sdkErr) {
		t.Fatalf("%s error = %v, want a *tea.SDKError %d %s", what, err, status, code)
	}
	if got, gotStatus := dara.StringValue(sdkErr.Code), dara.IntValue(sdkErr.StatusCode); got != code || gotStatus != status {
		t.Fatalf("%s = SDKError %d %s (%s), want %d %s", what, gotStatus, got, dara.StringValue(sdkErr.Message), status, code)
	}
}

const standardFlow = `Type: StateMachine
SpecVersion: v1
Name: %s
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    OutputConstructor:
      greeting.$: $Input.name
    End: true
`

func flowDef(name string) string { return strings.Replace(standardFlow, "%s", name, 1) }

var modes = []struct {
	name    string
	classic bool
}{{"rpc-hmac-sha1", true}, {"acs3-hmac-sha256", false}}

func TestSDK_HappyPath(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c := newClient(t, e, clientOptions{classic: m.classic, keyID: "alice", secret: "alice-secret"})
			flowName, quick := "orders_"+strings.ReplaceAll(m.name, "-", "_"), "quick_"+strings.ReplaceAll(m.name, "-", "_")
			created := mustCall(t, c, "CreateFlow", map[string]string{"Name": flowName, "Definition": flowDef(flowName), "Description": "orders", "Type": "FDL"})
			if created["Name"] != flowName || created["Definition"] != flowDef(flowName) || created["ExecutionMode"] != "Standard" {
				t.Errorf("CreateFlow = %v", created)
			}
			described := mustCall(t, c, "DescribeFlow", map[string]string{"Name": flowName})
			if described["Id"] != created["Id"] || described["Description"] != "orders" {
				t.Errorf("DescribeFlow = %v, want the created flow %v", described, created["Id"])
			}
			started := mustCall(t, c, "StartExecution", map[string]string{"FlowName": flowName, "ExecutionName": "e1", "Input": `{"name":"Ada"}`})
			if started["Name"] != "e1" || started["Status"] != "Starting" || started["Input"] != `{"name":"Ada"}` {
				t.Errorf("StartExecution = %v, want e1 Starting", started)
			}
			done := mustCall(t, c, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": "e1", "WaitTimeSeconds": "10"})
			if done["Status"] != "Succeeded" || done["Output"] != `{"greeting":"Ada"}` {
				t.Errorf("DescribeExecution = %v, want Succeeded with the greeting", done)
			}
			mustCall(t, c, "CreateFlow", map[string]string{"Name": quick, "Definition": flowDef(quick), "Description": "", "ExecutionMode": "Express"})
			synced := mustCall(t, c, "StartSyncExecution", map[string]string{"FlowName": quick, "ExecutionName": "s", "Input": `{"name":"Bo"}`})
			if synced["Status"] != "Succeeded" || synced["Output"] != `{"greeting":"Bo"}` || !strings.HasPrefix(synced["Name"].(string), "s:") {
				t.Errorf("StartSyncExecution = %v, want Succeeded s:<uuid>", synced)
			}
			_, err := call(c, "DescribeFlow", map[string]string{"Name": "missing"})
			wantSDKError(t, "DescribeFlow(missing)", err, 404, "FlowNotExists")
		})
	}
}

func TestSDK_Rejections(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			good := newClient(t, e, clientOptions{classic: m.classic, keyID: "alice", secret: "alice-secret"})
			tests := []struct {
				name   string
				client clientOptions
				skew   time.Duration
				auth   string // AuthType; "" = AK
				status int
				code   string
			}{
				{"unknown key", clientOptions{keyID: "mallory", secret: "alice-secret"}, 0, "", 403, "InvalidAccessKeyID"},
				{"wrong secret", clientOptions{keyID: "alice", secret: "not-the-secret"}, 0, "", 403, "SignatureNotMatch"},
				{"server clock 20 minutes ahead", clientOptions{keyID: "alice", secret: "alice-secret"}, 20 * time.Minute, "", 403, "RequestTimeTooSkewed"},
				{"server clock 16 minutes behind", clientOptions{keyID: "alice", secret: "alice-secret"}, -16 * time.Minute, "", 403, "RequestTimeTooSkewed"},
				{"STS security token", clientOptions{keyID: "STS.alice", secret: "alice-secret", token: "token"}, 0, "", 403, "InvalidAccessKeyID"},
				{"unsigned request", clientOptions{keyID: "alice", secret: "alice-secret"}, 0, "Anonymous", 400, "MissingRequiredParams"},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.client.classic = m.classic
					e.clock.set(tc.skew)
					defer e.clock.set(0)
					authType := tc.auth
					if authType == "" {
						authType = "AK"
					}
					// A request for a flow that does not exist: authentication answers first.
					_, err := callAs(newClient(t, e, tc.client), authType, "DescribeFlow", map[string]string{"Name": "missing"})
					wantSDKError(t, "DescribeFlow", err, tc.status, tc.code)
				})
			}

			t.Run("nonce replay", func(t *testing.T) {
				mustCall(t, good, "ListFlows", nil)
				raw := e.lastRequest()
				resp := replay(t, e, raw, nil)
				if resp.status != 403 || resp.body["Code"] != "SignatureNonceUsed" || resp.body["Message"] != "Specified signature nonce was used already." {
					t.Errorf("replayed request = %d %v, want 403 SignatureNonceUsed", resp.status, resp.body)
				}
			})
			if !m.classic {
				for _, h := range []string{"x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
					t.Run("missing header "+h, func(t *testing.T) {
						mustCall(t, good, "ListFlows", nil)
						raw := e.lastRequest()
						resp := replay(t, e, raw, func(r *http.Request) { r.Header.Del(h) })
						want := "The HTTP header '" + h + "' must be specified."
						if resp.status != 400 || resp.body["Code"] != "MissingRequiredHeader" || resp.body["Message"] != want {
							t.Errorf("request without %s = %d %v, want 400 MissingRequiredHeader %q", h, resp.status, resp.body, want)
						}
					})
				}
			}
		})
	}
}

type rawResponse struct {
	status int
	body   map[string]any
}

// replay sends raw to the endpoint again, byte for byte, after edit.
func replay(t *testing.T, e *endpoint, raw rawRequest, edit func(*http.Request)) rawResponse {
	t.Helper()
	req, err := http.NewRequest(raw.method, "http://"+e.addr+raw.uri, bytes.NewReader(raw.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = raw.header.Clone()
	req.Host = raw.host
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := rawResponse{status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&out.body); err != nil {
		t.Fatalf("replay response is not JSON: %v", err)
	}
	return out
}

func TestSDK_Throttled(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	limits, err := throttle.ParseLimits("ListFlows=2/0.001", throttle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys, Throttle: app.ThrottleOn, Limits: limits})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			// Each mode uses its own account's bucket: bob, then alice.
			id, secret := "bob", "bob-secret"
			if m.classic {
				id, secret = "alice", "alice-secret"
			}
			c := newClient(t, e, clientOptions{classic: m.classic, keyID: id, secret: secret})
			for i := 0; i < 2; i++ {
				mustCall(t, c, "ListFlows", nil)
			}
			_, err := call(c, "ListFlows", nil)
			wantSDKError(t, "third ListFlows", err, 429, "ResourceThrottled")
			// Another operation has its own bucket.
			_, err = call(c, "DescribeFlow", map[string]string{"Name": "missing"})
			wantSDKError(t, "DescribeFlow after the ListFlows burst", err, 404, "FlowNotExists")
		})
	}
	// carol shares alice's account, so she shares its empty bucket.
	carol := newClient(t, e, clientOptions{classic: true, keyID: "carol", secret: "carol-secret"})
	_, err = call(carol, "ListFlows", nil)
	wantSDKError(t, "ListFlows by carol (alice's account)", err, 429, "ResourceThrottled")
}

func TestSDK_Accounts(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys})
	alice := newClient(t, e, clientOptions{classic: true, keyID: "alice", secret: "alice-secret"})
	bob := newClient(t, e, clientOptions{keyID: "bob", secret: "bob-secret"})
	carol := newClient(t, e, clientOptions{keyID: "carol", secret: "carol-secret"})

	// Both accounts own a flow "orders": names are per-account namespaces.
	aliceOrders := mustCall(t, alice, "CreateFlow", map[string]string{"Name": "orders", "Definition": flowDef("orders"), "Description": "alice's"})
	bobOrders := mustCall(t, bob, "CreateFlow", map[string]string{"Name": "orders", "Definition": flowDef("orders"), "Description": "bob's"})
	if aliceOrders["Id"] == bobOrders["Id"] {
		t.Fatalf("both accounts' orders have Id %v", aliceOrders["Id"])
	}
	mustCall(t, alice, "CreateFlow", map[string]string{"Name": "private", "Definition": flowDef("private"), "Description": ""})
	mustCall(t, alice, "StartExecution", map[string]string{"FlowName": "orders", "ExecutionName": "e1", "Input": `{"name":"A"}`})

	if got := mustCall(t, bob, "DescribeFlow", map[string]string{"Name": "orders"}); got["Description"] != "bob's" || got["Id"] != bobOrders["Id"] {
		t.Errorf("bob DescribeFlow(orders) = %v, want his own", got)
	}
	// Another account's resources look exactly like missing ones.
	for _, tc := range []struct {
		action string
		params map[string]string
		status int
		code   string
	}{
		{"DescribeFlow", map[string]string{"Name": "private"}, 404, "FlowNotExists"},
		{"StartExecution", map[string]string{"FlowName": "private", "ExecutionName": "x"}, 404, "FlowNotExists"},
		{"ListExecutions", map[string]string{"FlowName": "private"}, 404, "FlowNotExists"},
		{"DescribeExecution", map[string]string{"FlowName": "orders", "ExecutionName": "e1"}, 404, "ExecutionNotExists"},
		{"StopExecution", map[string]string{"FlowName": "orders", "ExecutionName": "e1"}, 404, "ExecutionNotExists"},
		{"DeleteFlow", map[string]string{"Name": "private"}, 404, "FlowNotExists"},
	} {
		_, err := call(bob, tc.action, tc.params)
		wantSDKError(t, "bob "+tc.action, err, tc.status, tc.code)
		var sdkErr *tea.SDKError
		if errors.As(err, &sdkErr) && strings.Contains(dara.StringValue(sdkErr.Message), "1111") {
			t.Errorf("bob %s message %q reveals alice's account", tc.action, dara.StringValue(sdkErr.Message))
		}
	}
	if names := flowNames(mustCall(t, bob, "ListFlows", nil)); names != "orders" {
		t.Errorf("bob ListFlows = %s, want only his orders", names)
	}
	if got := mustCall(t, bob, "ListExecutions", map[string]string{"FlowName": "orders"}); len(list(got, "Executions")) != 0 {
		t.Errorf("bob ListExecutions(orders) = %v, want none of alice's", got)
	}
	// carol's key maps to alice's account: she shares its namespace.
	if names := flowNames(mustCall(t, carol, "ListFlows", nil)); names != "orders,private" {
		t.Errorf("carol ListFlows = %s, want alice's orders,private", names)
	}
	done := mustCall(t, carol, "DescribeExecution", map[string]string{"FlowName": "orders", "ExecutionName": "e1", "WaitTimeSeconds": "10"})
	if done["Status"] != "Succeeded" || done["Output"] != `{"greeting":"A"}` {
		t.Errorf("carol DescribeExecution(alice's e1) = %v, want Succeeded", done)
	}
	_, err = call(carol, "CreateFlow", map[string]string{"Name": "private", "Definition": flowDef("private"), "Description": ""})
	wantSDKError(t, "carol CreateFlow(private)", err, 409, "FlowAlreadyExists")
}

func list(body map[string]any, key string) []any { l, _ := body[key].([]any); return l }

func flowNames(body map[string]any) string {
	var names []string
	for _, f := range list(body, "Flows") {
		m, _ := f.(map[string]any)
		n, _ := m["Name"].(string)
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// TestSDK_HostIndependent sends requests naming other hosts and ports (as an
// AWS-style "sync-" prefixed host would) through an HTTP proxy that is the
// endpoint itself, so the Host header reaches the server unchanged: both
// signatures still verify (ACS3 signs host) and the answers are the same.
func TestSDK_HostIndependent(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys})
	_, port, _ := net.SplitHostPort(e.addr)
	hosts := []string{"sync-foo.example.com:" + port, "sync-foo.example.com:8443", "fnf.cn-hangzhou.aliyuncs.com:80", "localhost:" + port}
	for _, m := range modes {
		for i, host := range hosts {
			t.Run(m.name+"/"+host, func(t *testing.T) {
				c := newClient(t, e, clientOptions{classic: m.classic, keyID: "alice", secret: "alice-secret",
					endpoint: host, proxy: "http://" + e.addr})
				name := strings.NewReplacer("-", "_").Replace(m.name) + "_" + string(rune('a'+i))
				mustCall(t, c, "CreateFlow", map[string]string{"Name": name, "Definition": flowDef(name), "Description": ""})
				if got := mustCall(t, c, "DescribeFlow", map[string]string{"Name": name}); got["Name"] != name {
					t.Errorf("DescribeFlow via %s = %v", host, got)
				}
				if seen := e.lastRequest().host; seen != host {
					t.Fatalf("server saw Host %q, want %q (the test would prove nothing)", seen, host)
				}
				_, err := call(c, "DescribeFlow", map[string]string{"Name": "missing"})
				wantSDKError(t, "DescribeFlow(missing) via "+host, err, 404, "FlowNotExists")
				var sdkErr *tea.SDKError
				if errors.As(err, &sdkErr) {
					var body map[string]any
					_ = json.Unmarshal([]byte(dataString(sdkErr)), &body)
					if body["HostId"] != host {
						t.Errorf("error HostId = %v, want the request's Host %s", body["HostId"], host)
					}
				}
			})
		}
	}
}

func dataString(e *tea.SDKError) string { return dara.StringValue(e.Data) }
