package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestDetectKind(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    EventKind
		wantErr error
	}{
		{name: "http api v2", data: `{"version":"2.0","rawPath":"/"}`, want: KindLambdaHTTPAPI},
		{name: "rest v1", data: "\n  {\"httpMethod\":\"GET\",\"path\":\"/\"}", want: KindLambdaREST},
		{name: "fc 4.5 built-in event is async here", data: `{"version":"v1","rawPath":"/"}`, want: KindAsync},
		{name: "sweep", data: `{"op":"sweep"}`, want: KindAsync},
		{name: "session", data: `[{"Action":"ListFlows"}]`, want: KindSession},
		{name: "fc raw request", data: "GET /?Action=ListFlows HTTP/1.1\r\nHost: h\r\n\r\n", want: KindFCHTTP},
		{name: "fc raw request LF only", data: "POST / HTTP/1.1\nHost: h\n\n", want: KindFCHTTP},
		{name: "empty", data: "  \n", wantErr: ErrUnknownEvent},
		{name: "bad JSON", data: `{"version":`, wantErr: ErrUnknownEvent},
		{name: "prose", data: "hello world\n", wantErr: ErrUnknownEvent},
		{name: "HTTP/2 preface is not a request line", data: "PRI * HTTP/2.0\r\n", wantErr: ErrUnknownEvent},
		{name: "lower-case method", data: "get / HTTP/1.1\r\n", wantErr: ErrUnknownEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DetectKind([]byte(tc.data))
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("DetectKind(%q) = %q, %v; want %q, %v", tc.data, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestSessionStep_Request(t *testing.T) {
	tests := []struct {
		name      string
		step      string
		wantMeth  string
		wantQuery map[string][]string
		wantForm  map[string][]string
	}{
		{
			name:      "write operation posts a form",
			step:      `{"Action":"StartExecution","Parameters":{"FlowName":"orders","Input":{"b":[1,2], "a":"x"}}}`,
			wantMeth:  "POST",
			wantQuery: map[string][]string{"Action": {"StartExecution"}, "Format": {"json"}, "Version": {"2019-03-15"}},
			wantForm:  map[string][]string{"FlowName": {"orders"}, "Input": {`{"b":[1,2],"a":"x"}`}},
		},
		{
			name:     "read operation uses the query",
			step:     `{"Action":"DescribeExecution","Parameters":{"FlowName":"orders","ExecutionName":"e1","WaitTimeSeconds":5}}`,
			wantMeth: "GET",
			wantQuery: map[string][]string{"Action": {"DescribeExecution"}, "Format": {"json"}, "Version": {"2019-03-15"},
				"FlowName": {"orders"}, "ExecutionName": {"e1"}, "WaitTimeSeconds": {"5"}},
			wantForm: map[string][]string{},
		},
		{
			name:      "explicit method wins",
			step:      `{"Action":"ListFlows","Method":"post","Parameters":{"Limit":"2"}}`,
			wantMeth:  "POST",
			wantQuery: map[string][]string{"Action": {"ListFlows"}, "Format": {"json"}, "Version": {"2019-03-15"}},
			wantForm:  map[string][]string{"Limit": {"2"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var seen echoed
			var form map[string][]string
			api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := r.ParseForm(); err != nil {
					t.Errorf("ParseForm: %v", err)
				}
				form = r.PostForm
				seen = echoed{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header}
				_, _ = w.Write([]byte(`{"RequestId":"r"}`))
			})
			err := RunSession(context.Background(), Service{API: api}, []byte("["+tc.step+"]"), func(Response) error { return nil })
			if err != nil {
				t.Fatalf("RunSession: %v", err)
			}
			if seen.Method != tc.wantMeth || seen.Path != "/" {
				t.Errorf("request = %s %s, want %s /", seen.Method, seen.Path, tc.wantMeth)
			}
			if !reflect.DeepEqual(seen.Query, tc.wantQuery) {
				t.Errorf("query = %v, want %v", seen.Query, tc.wantQuery)
			}
			if len(form) != len(tc.wantForm) || (len(form) > 0 && !reflect.DeepEqual(map[string][]string(form), tc.wantForm)) {
				t.Errorf("form = %v, want %v", form, tc.wantForm)
			}
			action := tc.wantQuery["Action"][0]
			if got := http.Header(seen.Header).Get("x-acs-action"); got != action {
				t.Errorf("x-acs-action = %q, want %q", got, action)
			}
		})
	}
}

func TestRunSession_Errors(t *testing.T) {
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") == "DescribeFlow" {
			w.WriteHeader(http.StatusNotFound)
		}
		_, _ = w.Write([]byte(`{"RequestId":"r"}`))
	})
	tests := []struct {
		name      string
		data      string
		wantErr   error
		wantSteps int
	}{
		{name: "stops at the first failure", data: `[{"Action":"ListFlows"},{"Action":"DescribeFlow"},{"Action":"ListFlows"}]`, wantErr: ErrBadStatus, wantSteps: 2},
		{name: "unknown step field", data: `[{"Action":"ListFlows","Params":{}}]`},
		{name: "missing action", data: `[{"Parameters":{"Name":"x"}}]`},
		{name: "bad method", data: `[{"Action":"ListFlows","Method":"PUT"}]`},
		{name: "not an array of steps", data: `[1]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var steps int
			err := RunSession(context.Background(), Service{API: failing}, []byte(tc.data), func(Response) error { steps++; return nil })
			if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Fatalf("RunSession(%s) = %v, want error %v", tc.data, err, tc.wantErr)
			}
			if steps != tc.wantSteps {
				t.Errorf("answered %d steps, want %d", steps, tc.wantSteps)
			}
		})
	}
}

func TestReplayFile_FCRequests(t *testing.T) {
	const body = "Name=orders"
	tests := []struct {
		name    string
		data    string
		wantErr bool
		control string
	}{
		{name: "exact content length", data: "POST /?Action=CreateFlow HTTP/1.1\r\nHost: fn.fcapp.run\r\nContent-Length: 11\r\n\r\n" + body + "\n", control: "/http-invoke"},
		{name: "control path kept when present", data: "GET / HTTP/1.1\r\nHost: h\r\nX-Fc-Control-Path: /http-invoke\r\n\r\n", control: "/http-invoke"},
		{name: "content length too large", data: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\n" + body, wantErr: true},
		{name: "content length too small", data: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n" + body, wantErr: true},
		{name: "malformed header", data: "GET / HTTP/1.1\r\nno colon here\r\n\r\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind, rs, err := ReplayFile(context.Background(), Service{API: echoAPI()}, []byte(tc.data), FCOptions{})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ReplayFile = %v, nil; want an error", rs)
				}
				return
			}
			if err != nil || kind != KindFCHTTP || len(rs) != 1 {
				t.Fatalf("ReplayFile = %q, %d responses, %v; want fc-http, 1, nil", kind, len(rs), err)
			}
			e := decodeEcho(t, rs[0].Body)
			if got := http.Header(e.Header).Get("X-Fc-Control-Path"); got != tc.control {
				t.Errorf("control path = %q, want %q", got, tc.control)
			}
			if e.Method == "POST" && (e.Body != body || e.Host != "fn.fcapp.run") {
				t.Errorf("body %q host %q, want %q fn.fcapp.run", e.Body, e.Host, body)
			}
		})
	}
}

func TestReplay_Output(t *testing.T) {
	var rec eventRecorder
	svc := Service{API: echoAPI(), OnEvent: rec.handle}
	tests := []struct {
		name    string
		data    string
		want    []string // substrings of the printed output
		wantErr error
	}{
		{name: "lambda v2 prints the Lambda response", data: `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}`,
			want: []string{`"statusCode": 200`, `"body": "{\"method\":\"GET\"`}},
		{name: "fc prints statusCode headers body", data: "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
			want: []string{`"statusCode": 200`, `"X-Multi": "a,b"`, `"body": `}},
		{name: "session prints each step", data: `[{"Action":"ListFlows"}]`,
			want: []string{`"Action": "ListFlows"`, `"StatusCode": 200`, `"Response": {`}},
		{name: "async event", data: `{"op":"sweep"}`, want: []string{`"event": "handled"`}},
		{name: "unknown file", data: `plain text`, wantErr: ErrUnknownEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Replay(context.Background(), svc, []byte(tc.data), FCOptions{}, &out)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Replay error = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output %s lacks %s", out.String(), w)
				}
			}
			if tc.wantErr == nil && !json.Valid(bytes.TrimSpace(out.Bytes())) && !strings.HasPrefix(tc.data, "[") {
				t.Errorf("output %q is not JSON", out.String())
			}
		})
	}
	if got := rec.got(); len(got) != 1 || got[0] != `{"op":"sweep"}` {
		t.Errorf("event function got %q, want the sweep event once", got)
	}
}

func TestReplay_BadStatusFails(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"Code":"ActionNotSupported"}`))
	})
	var out bytes.Buffer
	err := Replay(context.Background(), Service{API: api}, []byte(`{"httpMethod":"GET","path":"/"}`), FCOptions{}, &out)
	if !errors.Is(err, ErrBadStatus) {
		t.Errorf("Replay = %v, want ErrBadStatus", err)
	}
	if !strings.Contains(out.String(), "ActionNotSupported") {
		t.Errorf("output %q: the failing response must still be printed", out.String())
	}
}
