package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// TestSDK_StartExecution_CallbackToken checks CallbackFnFTaskToken through
// the signed API with two accounts (reference 2.7, 7.2, 11.2): a token that
// does not decode is 400 InvalidArgument naming the parameter, another
// account's token is 403 AccessDenied, the caller's own token is accepted.
func TestSDK_StartExecution_CallbackToken(t *testing.T) {
	keys, err := auth.ParseKeys(testKeys)
	if err != nil {
		t.Fatal(err)
	}
	e := startEndpoint(t, app.Config{AccessKeys: keys})
	alice := newClient(t, e, clientOptions{classic: true, keyID: "alice", secret: "alice-secret"})
	bob := newClient(t, e, clientOptions{keyID: "bob", secret: "bob-secret"})
	mustCall(t, alice, "CreateFlow", map[string]string{"Name": "child", "Definition": flowDef("child"), "Description": ""})
	mustCall(t, bob, "CreateFlow", map[string]string{"Name": "child", "Definition": flowDef("child"), "Description": ""})

	mint := func(account string) string {
		tok, err := token.New(nil, account, "parent-flow-id", "parent", 7)
		if err != nil {
			t.Fatal(err)
		}
		s, err := tok.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	aliceToken, bobToken := mint("1111"), mint("2222")

	tests := []struct {
		name    string
		tok     string
		status  int
		code    string
		message string
	}{
		{"garbage", "not-a-token!", 400, "InvalidArgument", "Parameter error. CallbackFnFTaskToken"},
		{"documented cloud shape", "djEjYSMwYjZjN2MxZSMzI3NpZw==", 400, "InvalidArgument", "Parameter error. CallbackFnFTaskToken"},
		{"truncated", aliceToken[:len(aliceToken)-3], 400, "InvalidArgument", "Parameter error. CallbackFnFTaskToken"},
		{"other account", aliceToken, 403, "AccessDenied", "The resources doesn't belong to you."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(bob, "StartExecution", map[string]string{"FlowName": "child", "ExecutionName": "c1", "CallbackFnFTaskToken": tc.tok})
			wantSDKError(t, "StartExecution", err, tc.status, tc.code)
			var sdkErr *tea.SDKError
			// The SDK's text is "code: <status>, <Message> request id: <id>".
			if errors.As(err, &sdkErr) && !strings.Contains(dara.StringValue(sdkErr.Message), ", "+tc.message) {
				t.Errorf("message = %q, want the server Message to start %q", dara.StringValue(sdkErr.Message), tc.message)
			}
		})
	}
	// Nothing was started by the rejected calls.
	if got := mustCall(t, bob, "ListExecutions", map[string]string{"FlowName": "child"}); len(list(got, "Executions")) != 0 {
		t.Errorf("ListExecutions after rejections = %v, want none", got)
	}
	// The caller's own token is accepted, for either key of the account.
	mustCall(t, bob, "StartExecution", map[string]string{"FlowName": "child", "ExecutionName": "c1", "CallbackFnFTaskToken": bobToken})
	carol := newClient(t, e, clientOptions{keyID: "carol", secret: "carol-secret"})
	mustCall(t, carol, "StartExecution", map[string]string{"FlowName": "child", "ExecutionName": "c2", "CallbackFnFTaskToken": aliceToken})
}
