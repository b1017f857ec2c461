package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// TestHandler_Validation_LongAndMalformedValues sends the values that once reached the store as
// over-long keys (a 500), and other malformed ones: each is a 400 naming the parameter.
func TestHandler_Validation_LongAndMalformedValues(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	long := strings.Repeat("n", 2000)
	const nameRule = "must match " + api.NamePattern
	tests := []struct {
		name    string
		action  string
		params  map[string]string
		message string
	}{
		{"ListExecutions NextToken", "ListExecutions", map[string]string{"FlowName": "std", "NextToken": long}, "NextToken must be 0 to 165 characters long."},
		{"ListFlows NextToken", "ListFlows", map[string]string{"NextToken": long}, "NextToken must be 0 to 128 characters long."},
		{"ListFlows ResourceGroupId", "ListFlows", map[string]string{"ResourceGroupId": long}, "ResourceGroupId must be 0 to 128 characters long."},
		{"ListFlowAliases NextToken", "ListFlowAliases", map[string]string{"FlowName": "std", "NextToken": long}, "NextToken must be 0 to 128 characters long."},
		{"StartExecution Qualifier long", "StartExecution", map[string]string{"FlowName": "std", "Qualifier": long}, "Qualifier must be a version number or an alias name matching " + api.NamePattern + "."},
		{"StartExecution Qualifier pattern", "StartExecution", map[string]string{"FlowName": "std", "Qualifier": "a/b"}, "Qualifier must be a version number or an alias name matching " + api.NamePattern + "."},
		{"ListExecutions Qualifier", "ListExecutions", map[string]string{"FlowName": "std", "Qualifier": long}, "Qualifier must be a version number or an alias name matching " + api.NamePattern + "."},
		{"ListExecutions prefix", "ListExecutions", map[string]string{"FlowName": "std", "ExecutionNamePrefix": long}, "ExecutionNamePrefix must be 0 to 165 characters long."},
		{"ListExecutions MapRunName", "ListExecutions", map[string]string{"FlowName": "std", "MapRunName": long}, "MapRunName must be 0 to 165 characters long."},
		{"StartExecution callback token", "StartExecution", map[string]string{"FlowName": "std", "CallbackFnFTaskToken": strings.Repeat("t", 5000)}, "CallbackFnFTaskToken must be 0 to 4096 characters long."},
		{"ReportTaskSucceeded token", "ReportTaskSucceeded", map[string]string{"TaskToken": strings.Repeat("t", 5000), "Output": "{}"}, "TaskToken must be 1 to 4096 characters long."},
		{"DescribeFlow FlowVersion long", "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": long}, `FlowVersion must be a version number such as "1".`},
		{"DescribeFlow FlowVersion text", "DescribeFlow", map[string]string{"Name": "std", "FlowVersion": "latest"}, `FlowVersion must be a version number such as "1".`},
		{"DeleteFlowVersion huge number", "DeleteFlowVersion", map[string]string{"FlowName": "std", "FlowVersion": "99999999999999999999"}, `FlowVersion must be a version number such as "1".`},
		{"DescribeFlow Name long", "DescribeFlow", map[string]string{"Name": long}, "Name must be 1 to 128 characters long."},
		{"DescribeExecution ExecutionName long", "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": long}, "ExecutionName must be 1 to 165 characters long."},
		{"CreateFlow Name pattern", "CreateFlow", map[string]string{"Name": "1bad", "Definition": "x"}, "Name " + nameRule + "."},
		{"ListFlows Limit", "ListFlows", map[string]string{"Limit": "1001"}, "Limit must be an integer from 1 to 1000."},
		{"ListExecutions time", "ListExecutions", map[string]string{"FlowName": "std", "StartedTimeBegin": "yesterday"}, "StartedTimeBegin must be a UTC RFC 3339 time such as 2019-01-01T01:01:01.001Z."},
		{"Input invalid UTF-8", "StartExecution", map[string]string{"FlowName": "std", "Input": "{\"a\":\"\xff\"}"}, "Input must be valid UTF-8."},
		{"Description invalid UTF-8", "CreateFlow", map[string]string{"Name": "u", "Definition": "d", "Description": "caf\xc3"}, "Description must be valid UTF-8."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, tc.action, tc.params)
			wantError(t, r, http.StatusBadRequest, api.CodeInvalidArgument, "Parameter error. "+tc.message)
		})
	}
}

func TestErrorFor_InvalidKeyIsNot500(t *testing.T) {
	err := fmt.Errorf("get flow: %w", fmt.Errorf("%w: key is 2000 bytes, limit 1024", kv.ErrInvalidKey))
	if got := api.ErrorFor(err); got.Status != http.StatusBadRequest || got.Code != api.CodeInvalidArgument {
		t.Errorf("ErrorFor(%v) = %d %s, want 400 InvalidArgument", err, got.Status, got.Code)
	}
}
