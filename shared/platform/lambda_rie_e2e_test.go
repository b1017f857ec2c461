package platform

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// The AWS path end to end, with the real parts that run here: the Lambda bootstrap exactly as the
// Makefile builds it (-tags lambda.norpc,noalibaba, for this machine's architecture), run by the
// AWS Lambda Runtime Interface Emulator (one emulator per function), DynamoDB Local as the table,
// the runner invoked through the Lambda Invoke API of aws-sdk-go-v2, and darabonba-openapi (the
// official SDKs' wire format) as the client.
//
// What the emulator cannot do is bridged here, in the test only:
//   - Function URLs: the emulator takes Lambda events on /2015-03-31/functions/function/invocations,
//     so functionURL turns each HTTP request into the Function URL event (payload 2.0) and the
//     event's response back into HTTP, as the Function URL service does.
//   - Event invocations: the emulator is always synchronous (200, not 202) and runs one invocation
//     at a time, so asyncInvoke answers Invoke(InvocationType=Event) with 202 and hands the payload
//     to the runner's emulator in order.
//   - Secrets Manager: awsSecretsStandIn (secret_test.go style) answers GetSecretValue.
//   - The sweep schedule: the test invokes the runner with {"op":"sweep"} as EventBridge would.
//
// .ci/run builds the bootstrap and installs the emulator, and sets CLOUDFLOW_LAMBDA_BOOTSTRAP,
// AWS_LAMBDA_RIE and DYNAMODB_LOCAL_ENDPOINT.

const (
	e2eKeyID     = "AKE2E"
	e2eKeySecret = "e2e-s3cret"
	e2eAccount   = "1234567890"
	e2eSecretARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudflow/access-keys-E2eE2e"
)

// rie is one emulated Lambda function.
type rie struct {
	url string     // invocations URL
	mu  sync.Mutex // the emulator runs one invocation at a time
	log lockedBuffer
}

// invoke sends one event and returns the function's result (the emulator runs one at a time).
func (r *rie) invoke(t *testing.T, event []byte) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	resp, err := http.Post(r.url, "application/json", bytes.NewReader(event))
	if err != nil {
		t.Errorf("invoke: %v", err)
		return nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("invoke: HTTP %d %s", resp.StatusCode, out)
	}
	return out
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startRIE runs bootstrap under the emulator with env and waits until it accepts connections.
func startRIE(t *testing.T, emulator, bootstrap string, env []string) *rie {
	t.Helper()
	addr, api := freeAddr(t), freeAddr(t)
	cmd := exec.Command(emulator, "--runtime-interface-emulator-address", addr, "--runtime-api-address", api, bootstrap)
	cmd.Dir = t.TempDir()
	cmd.Env = env
	r := &rie{url: "http://" + addr + "/2015-03-31/functions/function/invocations"}
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("emulator %s log:\n%s", addr, r.log.String())
		}
	})
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("emulator did not listen on %s", addr)
	return nil
}

// functionURL serves HTTP like a Lambda Function URL in front of fn.
func functionURL(t *testing.T, fn *rie) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		headers := map[string]string{"host": r.Host}
		for k, v := range r.Header {
			headers[strings.ToLower(k)] = strings.Join(v, ",")
		}
		ev := events.LambdaFunctionURLRequest{
			Version: "2.0", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery, Headers: headers,
			Body: base64.StdEncoding.EncodeToString(body), IsBase64Encoded: true,
			RequestContext: events.LambdaFunctionURLRequestContext{
				RequestID: fmt.Sprintf("req-%d", time.Now().UnixNano()), TimeEpoch: time.Now().UnixMilli(),
				HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path, SourceIP: "127.0.0.1"},
			},
		}
		raw, _ := json.Marshal(ev)
		out := fn.invoke(t, raw)
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
			http.Error(w, "bad function response: "+string(out), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(resp.StatusCode)
		if resp.IsBase64Encoded {
			b, _ := base64.StdEncoding.DecodeString(resp.Body)
			_, _ = w.Write(b)
			return
		}
		_, _ = io.WriteString(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// asyncInvoke is the Lambda Invoke API for InvocationType Event: it answers 202 at once and
// delivers the payloads to runner one after the other.
type asyncInvoke struct {
	srv    *httptest.Server
	events chan []byte
	mu     sync.Mutex
	count  int
}

func newAsyncInvoke(t *testing.T) *asyncInvoke {
	a := &asyncInvoke{events: make(chan []byte, 1000)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/runner/invocations" ||
			r.Header.Get("X-Amz-Invocation-Type") != "Event" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			t.Errorf("Invoke %s %s type %q: want a signed POST to function runner, InvocationType Event", r.Method, r.URL.Path, r.Header.Get("X-Amz-Invocation-Type"))
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		a.count++
		a.mu.Unlock()
		a.events <- payload
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// deliver hands queued events to fn until ctx is done.
func (a *asyncInvoke) deliver(ctx context.Context, t *testing.T, fn *rie) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-a.events:
			fn.invoke(t, ev)
		}
	}
}

// e2eClient is a darabonba-openapi client signing with HMAC-SHA1 (what the official SDKs send).
func e2eClient(t *testing.T, endpoint string) *openapi.Client {
	t.Helper()
	c, err := openapi.NewClient(&openapi.Config{
		AccessKeyId: dara.String(e2eKeyID), AccessKeySecret: dara.String(e2eKeySecret),
		Endpoint: dara.String(strings.TrimPrefix(endpoint, "http://")), Protocol: dara.String("http"),
		SignatureAlgorithm: dara.String("v2"), ReadTimeout: dara.Int(70_000), ConnectTimeout: dara.Int(5_000),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkCall issues one operation: GET with query for reads, POST form otherwise (as the SDK does).
func sdkCall(t *testing.T, c *openapi.Client, action string, params map[string]string) (map[string]any, error) {
	t.Helper()
	read := strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "List") || action == "GetExecutionHistory"
	method, req := "POST", &openapi.OpenApiRequest{}
	if read {
		method, req.Query = "GET", map[string]*string{}
		for k, v := range params {
			req.Query[k] = dara.String(v)
		}
	} else {
		body := map[string]any{}
		for k, v := range params {
			if k == "TaskToken" {
				req.Query = map[string]*string{k: dara.String(v)}
				continue
			}
			body[k] = v
		}
		req.Body = body
	}
	res, err := c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2019-03-15"), Protocol: dara.String("HTTPS"),
		Pathname: dara.String("/"), Method: dara.String(method), AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := res["body"].(map[string]any)
	return body, nil
}

func mustSDK(t *testing.T, c *openapi.Client, action string, params map[string]string) map[string]any {
	t.Helper()
	b, err := sdkCall(t, c, action, params)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	return b
}

const (
	e2eExpressFlow = `Type: StateMachine
SpecVersion: v1
Name: e2e-express
StartAt: Greet
States:
  - Name: Greet
    Type: Pass
    InputConstructor:
      greeting.$: format("Hello, {}!", $Input.name)
    End: true
`
	e2eStandardFlow = `Type: StateMachine
SpecVersion: v1
Name: e2e-standard
StartAt: Pause
States:
  - Name: Pause
    Type: Wait
    Seconds: 1
    Next: Both
  - Name: Both
    Type: Parallel
    Branches:
      - StartAt: A
        States:
          - Name: A
            Type: Pass
            InputConstructor: {branch: a}
            End: true
      - StartAt: B
        States:
          - Name: B
            Type: Pass
            InputConstructor: {branch: b}
            End: true
    Next: Charge
  - Name: Charge
    Type: Task
    Action: HTTP:Request
    Parameters:
      url: http://127.0.0.1:1/never-called
      method: POST
    OutputConstructor:
      receipt.$: $Output.receiptId
    End: true
`
	e2eLongWaitFlow = `Type: StateMachine
SpecVersion: v1
Name: e2e-long
StartAt: Long
States:
  - Name: Long
    Type: Wait
    Seconds: 300
    End: true
`
	e2eCallbackFlow = `Type: StateMachine
SpecVersion: v1
Name: e2e-callback
StartAt: Approve
States:
  - Name: Approve
    Type: Task
    Action: HTTP:Request
    TaskMode: WaitForCustomCallback
    Parameters:
      url.$: $Input.url
      method: POST
    End: true
`
)

// waitStatus long-polls DescribeExecution until the status is want, sweeping the runner meanwhile
// (the once-a-minute schedule, sped up), and returns the description and how many sweeps it took.
func waitStatus(t *testing.T, c *openapi.Client, runner *rie, flow, name, want string) (map[string]any, int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	sweeps := 0
	for {
		d := mustSDK(t, c, "DescribeExecution", map[string]string{"FlowName": flow, "ExecutionName": name, "WaitTimeSeconds": "2"})
		if d["Status"] == want {
			return d, sweeps
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s/%s = %v, want %s", flow, name, d, want)
		}
		if out := runner.invoke(t, []byte(`{"op":"sweep"}`)); string(out) != "null" {
			t.Errorf("sweep returned %s, want null", out)
		}
		sweeps++
	}
}

// storedStatus scans the table for the record of execution name and returns the status it holds.
func storedStatus(t *testing.T, db *dynamodb.Client, table, name string) string {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	for _, it := range out.Items {
		v, ok := it[dynamo.AttrValue].(*types.AttributeValueMemberB)
		if !ok {
			continue
		}
		// The execution record's key is exec/<account>/<flowId>/<name> (ASCII
		// keys are stored unchanged); its value's first JSON value holds the
		// status (history may follow). The name is in the key only.
		sk, _ := it[dynamo.AttrSortKey].(*types.AttributeValueMemberS)
		if sk == nil || !strings.HasPrefix(sk.Value, "exec/") || !strings.HasSuffix(sk.Value, "/"+name) {
			continue
		}
		var rec struct{ Status string }
		if json.NewDecoder(bytes.NewReader(v.Value)).Decode(&rec) == nil {
			return rec.Status
		}
	}
	return ""
}

func TestLambdaRIE_EndToEnd(t *testing.T) {
	bootstrap, emulator, ddb := os.Getenv("CLOUDFLOW_LAMBDA_BOOTSTRAP"), os.Getenv("AWS_LAMBDA_RIE"), os.Getenv("DYNAMODB_LOCAL_ENDPOINT")
	if bootstrap == "" || emulator == "" || ddb == "" {
		t.Skip("CLOUDFLOW_LAMBDA_BOOTSTRAP, AWS_LAMBDA_RIE and DYNAMODB_LOCAL_ENDPOINT unset: the emulated Lambda deployment is not tested (.ci/run sets them)")
	}
	started := time.Now()
	timing := func(step string, since time.Time) {
		t.Logf("e2e timing: %-34s %8.1f ms", step, float64(time.Since(since).Microseconds())/1000)
	}
	var secretCalls atomicCounter
	secrets := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secretCalls.add()
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": e2eSecretARN, "SecretString": e2eKeyID + ":" + e2eKeySecret + "@" + e2eAccount})
	}))
	defer secrets.Close()
	async := newAsyncInvoke(t)
	table := fmt.Sprintf("cloudflow-e2e-%d", time.Now().UnixNano())
	mock, err := filepath.Abs(filepath.Join("testdata", "rie", "mock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"STORE=dynamodb", "TABLE_NAME=" + table, "DYNAMODB_ENDPOINT=" + ddb,
		"RUNNER=lambda", "RUNNER_FUNCTION=runner",
		"CLOUDFLOW_ACCESS_KEYS_SECRET=" + e2eSecretARN, "CLOUDFLOW_MOCK_FILE=" + mock,
		"CLOUDFLOW_HTTP_ALLOW_RANGES=127.0.0.0/8", // the callback tasks' endpoints are loopback test servers
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDE2E", "AWS_SECRET_ACCESS_KEY=e2e", "AWS_SESSION_TOKEN=token",
		// Every AWS call stays on loopback: the two stand-ins, and a closed port for anything else.
		"AWS_ENDPOINT_URL=http://127.0.0.1:1", "AWS_ENDPOINT_URL_LAMBDA=" + async.srv.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secrets.URL,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=60", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
	}
	api := startRIE(t, emulator, bootstrap, append(env, "AWS_LAMBDA_FUNCTION_NAME=api"))
	runner := startRIE(t, emulator, bootstrap, append(env, "AWS_LAMBDA_FUNCTION_NAME=runner", "CLOUDFLOW_OPERATIONS=StartExecution"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go async.deliver(ctx, t, runner)
	front := functionURL(t, api)
	c := e2eClient(t, front.URL)

	t0 := time.Now()
	// The first request cold-starts the api function (emulator start, exec, secret, table).
	flows := mustSDK(t, c, "ListFlows", nil)
	timing("cold start + ListFlows", t0)
	if _, ok := flows["Flows"]; !ok && len(flows) == 0 {
		t.Errorf("ListFlows = %v", flows)
	}
	if n := secretCalls.get(); n != 1 {
		t.Errorf("Secrets Manager read %d times, want once (cold start)", n)
	}
	t0 = time.Now()
	mustSDK(t, c, "ListFlows", nil)
	timing("warm ListFlows", t0)

	// A wrong signature is refused: the keys from the secret are on.
	bad, err := openapi.NewClient(&openapi.Config{AccessKeyId: dara.String(e2eKeyID), AccessKeySecret: dara.String("wrong"),
		Endpoint: dara.String(strings.TrimPrefix(front.URL, "http://")), Protocol: dara.String("http"), SignatureAlgorithm: dara.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdkCall(t, bad, "ListFlows", nil); err == nil || !strings.Contains(err.Error(), "SignatureNotMatch") {
		t.Errorf("ListFlows with a wrong secret = %v, want SignatureNotMatch", err)
	}

	t0 = time.Now()
	for _, f := range []struct{ name, mode, def string }{
		{"e2e-express", "Express", e2eExpressFlow}, {"e2e-standard", "Standard", e2eStandardFlow},
		{"e2e-long", "Standard", e2eLongWaitFlow}, {"e2e-callback", "Standard", e2eCallbackFlow},
	} {
		got := mustSDK(t, c, "CreateFlow", map[string]string{"Name": f.name, "Definition": f.def, "Type": "FDL", "ExecutionMode": f.mode, "Description": "e2e"})
		if got["Name"] != f.name || got["ExecutionMode"] != f.mode {
			t.Errorf("CreateFlow %s = %v", f.name, got)
		}
	}
	timing("4 x CreateFlow", t0)

	t0 = time.Now()
	sync := mustSDK(t, c, "StartSyncExecution", map[string]string{"FlowName": "e2e-express", "Input": `{"name":"Ada"}`})
	timing("StartSyncExecution", t0)
	if sync["Status"] != "Succeeded" || sync["Output"] != `{"greeting":"Hello, Ada!"}` {
		t.Errorf("StartSyncExecution = %v, want Succeeded with the greeting", sync)
	}

	t0 = time.Now()
	st := mustSDK(t, c, "StartExecution", map[string]string{"FlowName": "e2e-standard", "ExecutionName": "run-1", "Input": `{}`})
	if st["Name"] != "run-1" {
		t.Errorf("StartExecution = %v", st)
	}
	done, sweeps := waitStatus(t, c, runner, "e2e-standard", "run-1", "Succeeded")
	timing("Standard run (Wait 1 s) to Succeeded", t0)
	t.Logf("e2e: Standard run took %d sweeps, %d async invokes so far", sweeps, async.n())
	if done["Output"] != `{"receipt":"r-42"}` {
		t.Errorf("run-1 Output = %v, want the mocked Task's receipt", done["Output"])
	}
	db := dynamo.NewLocalClient(ddb)
	if s := storedStatus(t, db, table, "run-1"); s != "Succeeded" {
		t.Errorf("DynamoDB holds run-1 with status %q, want Succeeded", s)
	}
	hist := mustSDK(t, c, "GetExecutionHistory", map[string]string{"FlowName": "e2e-standard", "ExecutionName": "run-1"})
	if evs, _ := hist["Events"].([]any); len(evs) < 6 {
		t.Errorf("GetExecutionHistory has %d events, want the Wait, Parallel and Task steps", len(evs))
	}

	t0 = time.Now()
	mustSDK(t, c, "StartExecution", map[string]string{"FlowName": "e2e-long", "ExecutionName": "long-1"})
	waitStatus(t, c, runner, "e2e-long", "long-1", "Running")
	stop := mustSDK(t, c, "StopExecution", map[string]string{"FlowName": "e2e-long", "ExecutionName": "long-1", "Error": "E2E.Stop", "Cause": "test"})
	if stop["Status"] != "Stopped" {
		t.Errorf("StopExecution = %v, want Stopped", stop)
	}
	waitStatus(t, c, runner, "e2e-long", "long-1", "Stopped")
	timing("StartExecution + StopExecution", t0)

	t0 = time.Now()
	tokens := make(chan string, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens <- r.Header.Get("X-FnF-Http-Callback-Task-Token")
	}))
	defer hook.Close()
	in, _ := json.Marshal(map[string]string{"url": hook.URL})
	mustSDK(t, c, "StartExecution", map[string]string{"FlowName": "e2e-callback", "ExecutionName": "cb-1", "Input": string(in)})
	var tok string
	select {
	case tok = <-tokens:
	case <-time.After(30 * time.Second):
		t.Fatal("the callback task never called its URL")
	}
	for i := 0; ; i++ {
		_, err := sdkCall(t, c, "ReportTaskSucceeded", map[string]string{"TaskToken": tok, "Output": `{"approved":true}`})
		if err == nil {
			break
		}
		if i > 100 || !strings.Contains(err.Error(), "TaskInvalidState") {
			t.Fatalf("ReportTaskSucceeded: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cb, _ := waitStatus(t, c, runner, "e2e-callback", "cb-1", "Succeeded")
	timing("callback run + ReportTaskSucceeded", t0)
	if cb["Output"] != `{"approved":true}` {
		t.Errorf("cb-1 Output = %v, want the reported output", cb["Output"])
	}
	_, err = sdkCall(t, c, "ReportTaskFailed", map[string]string{"TaskToken": tok, "Error": "E", "Cause": "late"})
	if err == nil {
		t.Errorf("ReportTaskFailed on a finished task succeeded, want an error")
	}

	t0 = time.Now()
	if out := runner.invoke(t, []byte(`{"op":"sweep"}`)); string(out) != "null" {
		t.Errorf("sweep = %s, want null", out)
	}
	timing("sweep event", t0)
	if async.n() == 0 {
		t.Errorf("no asynchronous Invoke reached the runner")
	}
	if node := os.Getenv("CLOUDFLOW_NODE_SDK"); node != "" {
		runNodeSDK(t, node, front.URL, "lambda")
	}
	timing("whole test", started)
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (a *atomicCounter) add() { a.mu.Lock(); a.n++; a.mu.Unlock() }
func (a *atomicCounter) get() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

func (a *asyncInvoke) n() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.count
}
