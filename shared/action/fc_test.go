package action

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fcStandIn is an httptest stand-in for the Function Compute API.
type fcStandIn struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []seen
	// reply answers each request.
	reply func(w http.ResponseWriter, r *http.Request)
}

func newFCStandIn(t *testing.T, reply func(w http.ResponseWriter, r *http.Request)) *fcStandIn {
	t.Helper()
	s := &fcStandIn{reply: reply}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, seen{method: r.Method, path: r.URL.RequestURI(), body: string(b), header: r.Header.Clone()})
		s.mu.Unlock()
		s.reply(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *fcStandIn) last(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.got) == 0 {
		t.Fatal("the FC stand-in received no request")
	}
	return s.got[len(s.got)-1]
}

// runner returns an FC runner whose clients all go to the stand-in,
// recording the regions and accounts asked for.
func (s *fcStandIn) runner(t *testing.T, asked *[]string) *FC {
	t.Helper()
	return NewFC(FCOptions{Client: func(region, account string) (FCCaller, error) {
		if asked != nil {
			*asked = append(*asked, region+"/"+account)
		}
		return openapi.NewClient(&openapi.Config{
			AccessKeyId: dara.String("ak"), AccessKeySecret: dara.String("sk"), RegionId: dara.String(region),
			Endpoint: dara.String(strings.TrimPrefix(s.srv.URL, "http://")), Protocol: dara.String("http"),
		})
	}})
}

func fcCall(params map[string]any) interp.TaskCall {
	return interp.TaskCall{Execution: "e1", State: "Charge", Action: ActionFCInvokeFunction, Mode: flow.RequestComplete, Parameters: params}
}

func replyWith(status int, headers map[string]string, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestFC_Invoke_Request(t *testing.T) {
	for _, tc := range []struct {
		name     string
		params   map[string]any
		mode     flow.TaskMode
		wantPath string
		wantType string
		wantBody string
	}{
		{"fc3 sync object body", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/charge/LATEST", "invocationType": "Sync", "body": map[string]any{"order": int64(7)}},
			flow.RequestComplete, "/2023-03-30/functions/charge/invocations?qualifier=LATEST", "Sync", `{"order":7}`},
		{"fc3 string body as is, alias", map[string]any{"resourceArn": "acs:fc:cn-shanghai:123:functions/f/prod", "invocationType": "Sync", "body": "raw text"},
			flow.RequestComplete, "/2023-03-30/functions/f/invocations?qualifier=prod", "Sync", "raw text"},
		{"fc3 without qualifier", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f", "invocationType": "sync"},
			flow.RequestComplete, "/2023-03-30/functions/f/invocations", "Sync", ""},
		{"fc2", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:services/billing.LATEST/functions/charge", "invocationType": "Sync", "body": map[string]any{}},
			flow.RequestComplete, "/2016-08-15/services/billing.LATEST/functions/charge/invocations", "Sync", `{}`},
		{"async", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/1", "invocationType": "Async"},
			flow.RequestComplete, "/2023-03-30/functions/f/invocations?qualifier=1", "Async", ""},
		{"async waited for runs synchronously", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/1", "invocationType": "Async"},
			flow.WaitForSystemCallback, "/2023-03-30/functions/f/invocations?qualifier=1", "Sync", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFCStandIn(t, replyWith(200, map[string]string{"Content-Type": "application/json"}, `{"receiptId":"r-1"}`))
			var asked []string
			call := fcCall(tc.params)
			call.Mode = tc.mode
			if _, err := s.runner(t, &asked).Invoke(context.Background(), call); err != nil {
				t.Fatal(err)
			}
			got := s.last(t)
			if got.method != "POST" || got.path != tc.wantPath {
				t.Errorf("request = %s %s, want POST %s", got.method, got.path, tc.wantPath)
			}
			if h := got.header.Get(FCInvocationTypeHeader); h != tc.wantType {
				t.Errorf("%s = %q, want %q", FCInvocationTypeHeader, h, tc.wantType)
			}
			if got.body != tc.wantBody {
				t.Errorf("body = %q, want %q", got.body, tc.wantBody)
			}
			if got.header.Get("Authorization") == "" {
				t.Error("request is not signed (no Authorization header)")
			}
			region := strings.Split(tc.params["resourceArn"].(string), ":")[2]
			if len(asked) != 1 || asked[0] != region+"/123" {
				t.Errorf("client asked for %v, want [%s/123]", asked, region)
			}
		})
	}
}

func TestFC_Invoke_ClientCached(t *testing.T) {
	s := newFCStandIn(t, replyWith(200, nil, `1`))
	var asked []string
	f := s.runner(t, &asked)
	for _, arn := range []string{"acs:fc:r1:1:functions/a/LATEST", "acs:fc:r1:1:functions/b/LATEST", "acs:fc:r2:1:functions/a/LATEST"} {
		if _, err := f.Invoke(context.Background(), fcCall(map[string]any{"resourceArn": arn, "invocationType": "Sync"})); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(asked, ",") != "r1/1,r2/1" {
		t.Errorf("clients built for %v, want one per region and account: [r1/1 r2/1]", asked)
	}
}

func TestFC_Invoke_Output(t *testing.T) {
	for _, tc := range []struct {
		name, typ string
		status    int
		body      string
		want      any
	}{
		{"json result", "Sync", 200, `{"receiptId":"r-1","n":2}`, map[string]any{"receiptId": "r-1", "n": int64(2)}},
		{"string result", "Sync", 200, `not json`, "not json"},
		{"json string result", "Sync", 200, `"ok"`, "ok"},
		{"empty result", "Sync", 200, ``, ""},
		{"async accepted", "Async", 202, ``, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFCStandIn(t, replyWith(tc.status, nil, tc.body))
			out, err := s.runner(t, nil).Invoke(context.Background(), fcCall(map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/LATEST", "invocationType": tc.typ}))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"Body": tc.want}
			if !value.Equal(out, want) {
				t.Errorf("Invoke() = %#v, want %#v", out, want)
			}
		})
	}
}

func TestFC_Invoke_Errors(t *testing.T) {
	json := map[string]string{"Content-Type": "application/json"}
	for _, tc := range []struct {
		name    string
		status  int
		headers map[string]string
		body    string
		want    string
		detail  string
	}{
		{"fc3 throttled", 429, json, `{"Code":"ResourceThrottled","Message":"concurrency exceeded","RequestId":"r"}`, "FC.ResourceThrottled", "concurrency exceeded"},
		{"fc3 not found", 404, json, `{"Code":"FunctionNotFound","Message":"function f does not exist"}`, "FC.FunctionNotFound", "function f does not exist"},
		{"fc3 server error", 503, json, `{"Code":"ServiceUnavailable","Message":"try later"}`, "FC.ServiceUnavailable", "try later"},
		{"fc2 error code", 404, json, `{"ErrorCode":"ServiceNotFound","ErrorMessage":"service s does not exist"}`, "FC.ServiceNotFound", "service s does not exist"},
		{"no readable code", 500, json, `{"oops":true}`, "FC.Unknown", `{"oops":true}`},
		{"non-json error body", 502, map[string]string{"Content-Type": "text/html"}, `<html>bad gateway</html>`, "FC.Unknown", ""},
		{"function error with type", 200, map[string]string{"X-Fc-Error-Type": "UnhandledInvocationError"}, `{"errorType":"PaymentDeclined","errorMessage":"card expired","stackTrace":[]}`, "PaymentDeclined", "card expired"},
		{"function error without type", 200, map[string]string{"X-Fc-Error-Type": "HandledInvocationError"}, `{"errorMessage":"boom"}`, "FC.Unknown", "boom"},
		{"function error not json", 200, map[string]string{"X-Fc-Error-Type": "UnhandledInvocationError"}, `Process exited unexpectedly`, "FC.Unknown", "Process exited unexpectedly"},
		{"oversized reply", 200, nil, strings.Repeat("x", 64<<10+1), interp.ErrorInvalidData, "65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFCStandIn(t, replyWith(tc.status, tc.headers, tc.body))
			_, err := s.runner(t, nil).Invoke(context.Background(), fcCall(map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/LATEST", "invocationType": "Sync"}))
			wantTaskError(t, err, tc.want, tc.detail)
		})
	}
}

func TestFC_Invoke_ContextTimeout(t *testing.T) {
	release := make(chan struct{})
	s := newFCStandIn(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	ctx, cancel := context.WithTimeoutCause(context.Background(), 50*time.Millisecond, interp.ErrTaskTimeout)
	defer cancel()
	_, err := s.runner(t, nil).Invoke(ctx, fcCall(map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/LATEST", "invocationType": "Sync"}))
	var ie *interp.Error
	if errors.As(err, &ie) || !errors.Is(err, interp.ErrTaskTimeout) {
		t.Fatalf("Invoke() error = %v, want the context's cause (interp.ErrTaskTimeout)", err)
	}
}

func TestFC_Invoke_ClientError(t *testing.T) {
	f := NewFC(FCOptions{Client: func(region, account string) (FCCaller, error) {
		return nil, errors.New("function compute credentials: need an access key id and secret")
	}})
	_, err := f.Invoke(context.Background(), fcCall(map[string]any{"resourceArn": "acs:fc:cn-hangzhou:123:functions/f/LATEST", "invocationType": "Sync"}))
	wantTaskError(t, err, ErrorFCUnknown, "credentials")
}

func TestFC_Invoke_InvalidParameters(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params any
		detail string
	}{
		{"not an object", []any{}, "must be an object"},
		{"missing arn", map[string]any{"invocationType": "Sync"}, "resourceArn is required"},
		{"missing type", map[string]any{"resourceArn": "acs:fc:r:1:functions/f/LATEST"}, "invocationType is required"},
		{"bad type", map[string]any{"resourceArn": "acs:fc:r:1:functions/f/LATEST", "invocationType": "Later"}, "Sync or Async"},
		{"other service arn", map[string]any{"resourceArn": "acs:fnf:r::flow/f", "invocationType": "Sync"}, "resourceArn"},
		{"no account", map[string]any{"resourceArn": "acs:fc:r::functions/f/LATEST", "invocationType": "Sync"}, "account"},
		{"bad resource", map[string]any{"resourceArn": "acs:fc:r:1:layers/f", "invocationType": "Sync"}, "resource must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := fcCall(nil)
			call.Parameters = tc.params
			_, err := NewFC(FCOptions{}).Invoke(context.Background(), call)
			wantTaskError(t, err, ErrorFCInvalidArgument, tc.detail)
		})
	}
}

func TestParseFunctionARN(t *testing.T) {
	for _, tc := range []struct {
		arn  string
		want FunctionARN
		ok   bool
	}{
		{"acs:fc:cn-hangzhou:1234:functions/charge/LATEST", FunctionARN{Region: "cn-hangzhou", Account: "1234", Function: "charge", Qualifier: "LATEST"}, true},
		{"acs:fc:cn-hangzhou:1234:functions/charge", FunctionARN{Region: "cn-hangzhou", Account: "1234", Function: "charge"}, true},
		{"acs:fc:cn-hangzhou:1234:services/svc.prod/functions/fn", FunctionARN{Region: "cn-hangzhou", Account: "1234", Service: "svc", Qualifier: "prod", Function: "fn"}, true},
		{"acs:fc:cn-hangzhou:1234:services/svc/functions/fn", FunctionARN{Region: "cn-hangzhou", Account: "1234", Service: "svc", Function: "fn"}, true},
		{"acs:fc:cn-hangzhou:1234:services/svc./functions/fn", FunctionARN{}, false},
		{"acs:fc:cn-hangzhou:1234:functions//LATEST", FunctionARN{}, false},
		{"acs:fc:cn-hangzhou:1234:functions/f/", FunctionARN{}, false},
		{"acs:fc:cn-hangzhou:1234:functions/f/a/b", FunctionARN{}, false},
		{"acs:fc:cn-hangzhou:1234", FunctionARN{}, false},
		{"", FunctionARN{}, false},
	} {
		got, err := ParseFunctionARN(tc.arn)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseFunctionARN(%q) = %+v, %v; want %+v, ok=%v", tc.arn, got, err, tc.want, tc.ok)
		}
	}
}
