package platform

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestLambdaHandler_HTTPEvents(t *testing.T) {
	const form = "FlowName=orders&Input=%7B%22key%22%3A%22value%22%7D"
	tests := []struct {
		name  string
		event string
		want  echoed // only the fields set here are compared
		// wantQuery, when set, is compared with the decoded query instead of RawQuery.
		wantQuery map[string][]string
	}{
		{
			name: "v2 raw query passes unchanged",
			event: `{"version":"2.0","routeKey":"$default","rawPath":"/",
				"rawQueryString":"Action=DescribeFlow&Name=orders&Timestamp=2025-01-01T00%3A00%3A00Z&Version=2019-03-15",
				"headers":{"host":"abc.lambda-url.us-east-1.on.aws","x-acs-action":"DescribeFlow"},
				"requestContext":{"stage":"$default","http":{"method":"GET","path":"/","sourceIp":"203.0.113.9"}},
				"isBase64Encoded":false}`,
			want: echoed{Method: "GET", Path: "/", Host: "abc.lambda-url.us-east-1.on.aws", RemoteAddr: "203.0.113.9:0",
				RawQuery: "Action=DescribeFlow&Name=orders&Timestamp=2025-01-01T00%3A00%3A00Z&Version=2019-03-15"},
		},
		{
			name: "v2 base64 body is decoded",
			event: `{"version":"2.0","rawPath":"/","rawQueryString":"Action=StartExecution&Version=2019-03-15",
				"headers":{"host":"h.example","content-type":"application/x-www-form-urlencoded"},
				"requestContext":{"http":{"method":"POST","path":"/"}},
				"body":"` + b64(form) + `","isBase64Encoded":true}`,
			want: echoed{Method: "POST", Path: "/", Host: "h.example", Body: form,
				RawQuery: "Action=StartExecution&Version=2019-03-15"},
		},
		{
			name: "v2 plain body",
			event: `{"version":"2.0","rawPath":"/","rawQueryString":"","headers":{"host":"h"},
				"requestContext":{"http":{"method":"POST","path":"/"}},"body":"` + form + `"}`,
			want: echoed{Method: "POST", Path: "/", Host: "h", Body: form},
		},
		{
			name: "v2 named stage is stripped from rawPath",
			event: `{"version":"2.0","routeKey":"ANY /","rawPath":"/prod/","rawQueryString":"Action=ListFlows",
				"headers":{"host":"id.execute-api.us-east-1.amazonaws.com"},
				"requestContext":{"stage":"prod","http":{"method":"GET","path":"/prod/"}}}`,
			want: echoed{Method: "GET", Path: "/", Host: "id.execute-api.us-east-1.amazonaws.com", RawQuery: "Action=ListFlows"},
		},
		{
			name: "v1 query rebuilt from multi-value parameters",
			event: `{"resource":"/","path":"/","httpMethod":"GET",
				"headers":{"Host":"id.execute-api.us-east-1.amazonaws.com"},
				"multiValueHeaders":{"Host":["id.execute-api.us-east-1.amazonaws.com"]},
				"queryStringParameters":{"Action":"ListExecutions","Status":"Running"},
				"multiValueQueryStringParameters":{"Action":["ListExecutions"],"Status":["Failed","Running"]},
				"requestContext":{"stage":"Prod","identity":{"sourceIp":"198.51.100.7"}},"body":null,"isBase64Encoded":false}`,
			want:      echoed{Method: "GET", Path: "/", Host: "id.execute-api.us-east-1.amazonaws.com", RemoteAddr: "198.51.100.7:0"},
			wantQuery: map[string][]string{"Action": {"ListExecutions"}, "Status": {"Failed", "Running"}},
		},
		{
			name: "v1 single-value query when no multi-value map",
			event: `{"path":"/","httpMethod":"GET","headers":{"host":"h1"},
				"queryStringParameters":{"Action":"DescribeFlow","Name":"a b"}}`,
			want:      echoed{Method: "GET", Path: "/", Host: "h1"},
			wantQuery: map[string][]string{"Action": {"DescribeFlow"}, "Name": {"a b"}},
		},
		{
			name: "v1 base64 body is decoded",
			event: `{"path":"/","httpMethod":"POST","headers":{"Host":"h2","Content-Type":"application/x-www-form-urlencoded"},
				"multiValueQueryStringParameters":{"Action":["StartExecution"]},
				"body":"` + b64(form) + `","isBase64Encoded":true}`,
			want:      echoed{Method: "POST", Path: "/", Host: "h2", Body: form},
			wantQuery: map[string][]string{"Action": {"StartExecution"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec eventRecorder
			h := LambdaHandler(echoAPI(), rec.handle)
			res, err := h(context.Background(), json.RawMessage(tc.event))
			if err != nil {
				t.Fatalf("LambdaHandler(%s) error = %v, want nil", tc.name, err)
			}
			r, err := fromLambda(res)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", r.StatusCode)
			}
			got := decodeEcho(t, r.Body)
			if got.Method != tc.want.Method || got.Path != tc.want.Path || got.Host != tc.want.Host || got.Body != tc.want.Body {
				t.Errorf("request = %s %s host %q body %q, want %s %s host %q body %q",
					got.Method, got.Path, got.Host, got.Body, tc.want.Method, tc.want.Path, tc.want.Host, tc.want.Body)
			}
			if tc.want.RemoteAddr != "" && got.RemoteAddr != tc.want.RemoteAddr {
				t.Errorf("RemoteAddr = %q, want %q", got.RemoteAddr, tc.want.RemoteAddr)
			}
			if tc.wantQuery != nil {
				if !reflect.DeepEqual(got.Query, tc.wantQuery) {
					t.Errorf("query = %v, want %v", got.Query, tc.wantQuery)
				}
			} else if got.RawQuery != tc.want.RawQuery {
				t.Errorf("raw query = %q, want %q", got.RawQuery, tc.want.RawQuery)
			}
			if len(rec.got()) != 0 {
				t.Errorf("event function called with %v for an HTTP event", rec.got())
			}
		})
	}
}

func TestLambdaHandler_ResponseShapes(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"Code":"FlowNotExists"}`))
	})
	h := LambdaHandler(api, nil)

	t.Run("v2", func(t *testing.T) {
		res, err := h(context.Background(), json.RawMessage(`{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}`))
		if err != nil {
			t.Fatalf("API error became a Go error: %v", err)
		}
		v2, ok := res.(events.APIGatewayV2HTTPResponse)
		if !ok {
			t.Fatalf("result type %T, want APIGatewayV2HTTPResponse", res)
		}
		if v2.StatusCode != 404 || v2.Body != `{"Code":"FlowNotExists"}` || v2.IsBase64Encoded {
			t.Errorf("response = %d %q base64=%v, want 404 FlowNotExists body", v2.StatusCode, v2.Body, v2.IsBase64Encoded)
		}
		if v2.Headers["X-Multi"] != "a,b" || v2.Headers["Content-Type"] != "application/json;charset=utf-8" {
			t.Errorf("headers = %v, want X-Multi a,b and JSON content type", v2.Headers)
		}
		if !reflect.DeepEqual(v2.Cookies, []string{"a=1"}) {
			t.Errorf("cookies = %v, want [a=1]", v2.Cookies)
		}
	})
	t.Run("v1", func(t *testing.T) {
		res, err := h(context.Background(), json.RawMessage(`{"httpMethod":"GET","path":"/"}`))
		if err != nil {
			t.Fatalf("API error became a Go error: %v", err)
		}
		v1, ok := res.(events.APIGatewayProxyResponse)
		if !ok {
			t.Fatalf("result type %T, want APIGatewayProxyResponse", res)
		}
		if v1.StatusCode != 404 || !reflect.DeepEqual(v1.MultiValueHeaders["X-Multi"], []string{"a", "b"}) {
			t.Errorf("response = %d %v, want 404 with X-Multi [a b]", v1.StatusCode, v1.MultiValueHeaders)
		}
	})
}

func TestLambdaHandler_BinaryBodyIsBase64(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0xff, 0xfe, 0x00}) })
	res, err := LambdaHandler(api, nil)(context.Background(), json.RawMessage(`{"version":"2.0","rawPath":"/"}`))
	if err != nil {
		t.Fatal(err)
	}
	v2 := res.(events.APIGatewayV2HTTPResponse)
	if !v2.IsBase64Encoded || v2.Body != base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 0x00}) {
		t.Errorf("body = %q base64=%v, want base64 of ff fe 00", v2.Body, v2.IsBase64Encoded)
	}
}

func TestLambdaHandler_AsyncEvents(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		event   string
		evErr   error
		wantErr error
	}{
		{name: "sweep", event: `{"op":"sweep"}`},
		{name: "eventbridge scheduler input", event: `{"op":"sweep","source":"aws.scheduler"}`},
		{name: "event function error is a function error", event: `{"op":"run"}`, evErr: boom, wantErr: boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := eventRecorder{err: tc.evErr}
			res, err := LambdaHandler(echoAPI(), rec.handle)(context.Background(), json.RawMessage(tc.event))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error = %v, want %v", err, tc.wantErr)
			}
			if res != nil {
				t.Errorf("result = %v, want nil", res)
			}
			if got := rec.got(); len(got) != 1 || got[0] != tc.event {
				t.Errorf("events = %q, want [%q]", got, tc.event)
			}
		})
	}
}

func TestLambdaHandler_BadEvents(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		onEvent EventFunc
		wantErr error
	}{
		{name: "not JSON", event: `nope`},
		{name: "array", event: `[1,2]`},
		{name: "bad base64", event: `{"version":"2.0","rawPath":"/","body":"%%%","isBase64Encoded":true}`},
		{name: "v2 wrong field type", event: `{"version":"2.0","headers":[1]}`},
		{name: "async without event function", event: `{"op":"sweep"}`, wantErr: ErrNoEventFunc},
		{name: "bad method", event: `{"httpMethod":"GET POST","path":"/"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LambdaHandler(echoAPI(), tc.onEvent)(context.Background(), json.RawMessage(tc.event))
			if err == nil {
				t.Fatalf("LambdaHandler(%s) error = nil, want an error", tc.event)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestLambdaHandler_DeadlinePropagates(t *testing.T) {
	deadline := time.Now().Add(42 * time.Second).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// Through lambda.NewHandler, exactly as the runtime invokes it with the event's bytes.
	out, err := lambda.NewHandler(LambdaHandler(echoAPI(), nil)).Invoke(ctx,
		[]byte(`{"version":"2.0","rawPath":"/","headers":{"host":"h"},"requestContext":{"http":{"method":"GET"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("decode Lambda output %s: %v", out, err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("statusCode = %d, want 200 (output %s)", res.StatusCode, out)
	}
	got := decodeEcho(t, []byte(res.Body))
	if !got.HasDeadline || !got.Deadline.Equal(deadline) {
		t.Errorf("request deadline = %v (set %v), want %v", got.Deadline, got.HasDeadline, deadline)
	}
}
