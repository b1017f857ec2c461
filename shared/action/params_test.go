package action

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func TestRegistry_CheckParameters_Cases(t *testing.T) {
	mock, err := ParseMock([]byte("Actions:\n  FNF:StartExecution: {Return: {}}\nStates:\n  Mocked: {Return: {}}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(mock, map[string]interp.TaskRunner{
		ActionHTTPRequest:       NewHTTP(HTTPOptions{}),
		ActionFCInvokeFunction:  NewFC(FCOptions{}),
		ActionFNFStartExecution: NewFNF(nil, FNFOptions{}),
		"X:Free":                runnerFunc(func(context.Context, interp.TaskCall) (any, error) { return nil, nil }),
	})
	for _, tc := range []struct {
		name, state, action string
		keys                []string
		wantKey             string // "" = accepted
	}{
		{"http keys", "S", ActionHTTPRequest, []string{"url", "method", "headers", "body"}, ""},
		{"http unknown", "S", ActionHTTPRequest, []string{"url", "timeout"}, "timeout"},
		{"http case matters", "S", ActionHTTPRequest, []string{"URL"}, "URL"},
		{"fc keys", "S", ActionFCInvokeFunction, []string{"resourceArn", "invocationType", "body"}, ""},
		{"fc unknown", "S", ActionFCInvokeFunction, []string{"resourceArn", "qualifier"}, "qualifier"},
		{"fc lowest unknown first", "S", ActionFCInvokeFunction, []string{"zz", "aa"}, "aa"},
		{"unregistered action", "S", ActionFNFStartExecution + "x", []string{"anything"}, ""},
		{"fnf mocked by action", "S", ActionFNFStartExecution, []string{"anything"}, ""},
		{"http mocked by state", "Mocked", ActionHTTPRequest, []string{"anything"}, ""},
		{"runner without keys", "S", "X:Free", []string{"anything"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := r.CheckParameters(tc.state, tc.action, tc.keys)
			var ue *UnknownParameterError
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("CheckParameters = %v, want nil", err)
				}
				return
			}
			if !errors.As(err, &ue) || ue.Key != tc.wantKey || ue.Action != tc.action {
				t.Fatalf("CheckParameters = %v, want an UnknownParameterError for %s key %q", err, tc.action, tc.wantKey)
			}
			if !strings.Contains(err.Error(), `no parameter "`+tc.wantKey+`"`) {
				t.Errorf("message %q does not name the key", err)
			}
		})
	}
	// FNF without a mock entry has its own keys.
	plain := NewRegistry(nil, map[string]interp.TaskRunner{ActionFNFStartExecution: NewFNF(nil, FNFOptions{})})
	if err := plain.CheckParameters("S", ActionFNFStartExecution, []string{"resourceArn", "executionName", "input"}); err != nil {
		t.Errorf("FNF documented keys: %v", err)
	}
	if err := plain.CheckParameters("S", ActionFNFStartExecution, []string{"Input"}); err == nil {
		t.Error("FNF key Input accepted, want an error")
	}
}

// Keys an expression produces at run time are checked by the integration
// itself (<Service>.InvalidArgument).
func TestIntegrations_Invoke_UnknownParameter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		runner interp.TaskRunner
		action string
		params map[string]any
		want   string
	}{
		{"http", NewHTTP(HTTPOptions{}), ActionHTTPRequest, map[string]any{"url": "http://127.0.0.1:1/", "verb": "GET"}, ErrorHTTPInvalidArgument},
		{"fc", NewFC(FCOptions{}), ActionFCInvokeFunction, map[string]any{"resourceArn": "acs:fc:cn-hangzhou:1:functions/f", "invocationType": "Sync", "payload": "x"}, ErrorFCInvalidArgument},
		{"fnf", NewFNF(nil, FNFOptions{}), ActionFNFStartExecution, map[string]any{"resourceArn": "acs:fnf:cn-hangzhou::flow/f", "name": "x"}, ErrorFNFInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.runner.Invoke(context.Background(), interp.TaskCall{State: "S", Action: tc.action, Parameters: tc.params})
			var ie *interp.Error
			if !errors.As(err, &ie) || ie.Name != tc.want || !strings.Contains(ie.Detail, "no parameter") {
				t.Fatalf("Invoke = %v, want %s naming the unknown parameter", err, tc.want)
			}
		})
	}
}
