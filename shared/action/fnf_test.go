package action

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fakeStarter records starts and answers with err, or the requested name
// (a generated one when none was asked for).
type fakeStarter struct {
	got     []StartRequest
	account string
	err     error
}

func (s *fakeStarter) StartExecution(ctx context.Context, req StartRequest) (string, error) {
	id, _ := auth.FromContext(ctx)
	s.account = id.AccountID
	s.got = append(s.got, req)
	if s.err != nil {
		return "", s.err
	}
	if req.ExecutionName == "" {
		return "generated-1", nil
	}
	return req.ExecutionName, nil
}

func fnfCall(params any) interp.TaskCall {
	return interp.TaskCall{Execution: "parent", State: "Child", Action: ActionFNFStartExecution, Parameters: params}
}

func accountCtx(account string) context.Context {
	return auth.NewContext(context.Background(), auth.Identity{AccountID: account})
}

func TestFNF_Invoke_Starts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   StartRequest
		out    map[string]any
	}{
		{"short arn, name and input", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "executionName": "run_1", "input": map[string]any{"n": int64(1)}},
			StartRequest{FlowName: "child", ExecutionName: "run_1", Input: `{"n":1}`},
			map[string]any{"FlowName": "child", "ExecutionName": "run_1", "RequestID": "req-1"}},
		{"account arn, generated name, no input", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou:acct1:flow/child"},
			StartRequest{FlowName: "child"},
			map[string]any{"FlowName": "child", "ExecutionName": "generated-1", "RequestID": "req-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStarter{}
			f := NewFNF(st, FNFOptions{Region: "cn-hangzhou", NewRequestID: func() string { return "req-1" }})
			out, err := f.Invoke(accountCtx("acct1"), fnfCall(tc.params))
			if err != nil {
				t.Fatal(err)
			}
			if len(st.got) != 1 || st.got[0] != tc.want || st.account != "acct1" {
				t.Errorf("started %+v in account %q, want %+v in acct1", st.got, st.account, tc.want)
			}
			if !value.Equal(out, tc.out) {
				t.Errorf("Invoke() = %v, want %v", out, tc.out)
			}
		})
	}
}

func TestFNF_Invoke_Errors(t *testing.T) {
	big := map[string]any{"s": strings.Repeat("x", 64<<10)}
	for _, tc := range []struct {
		name    string
		params  any
		err     error
		want    string
		detail  string
		started bool
	}{
		{"not an object", "x", nil, ErrorFNFInvalidArgument, "must be an object", false},
		{"missing arn", map[string]any{}, nil, ErrorFNFInvalidArgument, "resourceArn is required", false},
		{"fc arn", map[string]any{"resourceArn": "acs:fc:cn-hangzhou:1:functions/f"}, nil, ErrorFNFInvalidArgument, "acs:fnf", false},
		{"bad resource", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::execution/x"}, nil, ErrorFNFInvalidArgument, "flow/{name}", false},
		{"bad flow name", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/1x"}, nil, ErrorFNFInvalidArgument, "naming rule", false},
		{"other region", map[string]any{"resourceArn": "acs:fnf:cn-beijing::flow/child"}, nil, ErrorFNFInvalidArgument, "region cn-beijing", false},
		{"other account", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou:acct2:flow/child"}, nil, ErrorFNFAccessDenied, "another account", false},
		{"bad execution name", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "executionName": "a b"}, nil, ErrorFNFInvalidArgument, "executionName", false},
		{"array input", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "input": []any{}}, nil, ErrorFNFInvalidArgument, "input must be an object", false},
		{"string input", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "input": "{}"}, nil, ErrorFNFInvalidArgument, "input must be an object", false},
		{"input too large", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child", "input": big}, nil, "FNF.EntityTooLarge", "65536", false},
		{"flow missing", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child"}, &StartError{Code: "FlowNotExists", Message: "Flow  child does not exist."}, "FNF.FlowNotExists", "Flow  child does not exist.", true},
		{"express child", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child"}, &StartError{Code: "ActionNotSupported", Message: "Express execution is not supported"}, "FNF.ActionNotSupported", "Express", true},
		{"other failure", map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/child"}, errors.New("store down"), "FNF.InternalServerError", "store down", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeStarter{err: tc.err}
			_, err := NewFNF(st, FNFOptions{Region: "cn-hangzhou"}).Invoke(accountCtx("acct1"), fnfCall(tc.params))
			wantTaskError(t, err, tc.want, tc.detail)
			if started := len(st.got) > 0; started != tc.started {
				t.Errorf("starter called = %v, want %v", started, tc.started)
			}
		})
	}
}

func TestFNF_Invoke_ContextDone(t *testing.T) {
	ctx, cancel := context.WithTimeoutCause(accountCtx("a"), time.Nanosecond, interp.ErrTaskTimeout)
	defer cancel()
	<-ctx.Done()
	st := &fakeStarter{err: context.DeadlineExceeded}
	_, err := NewFNF(st, FNFOptions{}).Invoke(ctx, fnfCall(map[string]any{"resourceArn": "acs:fnf:r::flow/c"}))
	var ie *interp.Error
	if errors.As(err, &ie) || !errors.Is(err, interp.ErrTaskTimeout) {
		t.Fatalf("Invoke() error = %v, want the context's cause", err)
	}
}

func TestParseFlowARN(t *testing.T) {
	for _, tc := range []struct {
		arn  string
		want FlowARN
		ok   bool
	}{
		{"acs:fnf:cn-hangzhou::flow/child", FlowARN{Region: "cn-hangzhou", Flow: "child"}, true},
		{"acs:fnf:cn-hangzhou:123:flow/child", FlowARN{Region: "cn-hangzhou", Account: "123", Flow: "child"}, true},
		{"acs:fnf:::flow/child", FlowARN{Flow: "child"}, true}, // legacy sub-flow tasks: this region
		{"acs:fnf::123:flow/child", FlowARN{Account: "123", Flow: "child"}, true},
		{"acs:fnf:cn-hangzhou::flow/", FlowARN{}, false},
		{"acs:fnf:cn-hangzhou::flow/a/b", FlowARN{}, false},
		{"acs:fnf:cn-hangzhou", FlowARN{}, false},
	} {
		got, err := ParseFlowARN(tc.arn)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseFlowARN(%q) = %+v, %v; want %+v, ok=%v", tc.arn, got, err, tc.want, tc.ok)
		}
	}
}
