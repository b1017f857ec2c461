package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// TestHandler_Body_Errors checks the exact answer to each kind of bad body (reference 11.3,
// UnsupportedMediaType; issue: broken JSON names the offset, a non-object says so, nesting
// is a limit).
func TestHandler_Body_Errors(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.createFlow(t, "std", "Standard")
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	const prefix = "Parameter error. "
	tests := []struct {
		name, query, ctype, body string
		status                   int
		code, message            string
	}{
		{"broken JSON", "Action=DescribeFlow&Version=2019-03-15", "application/json", `{"Name": "std",}`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object. It is not valid JSON: unexpected character '}' at byte 15."},
		{"truncated JSON", "Action=DescribeFlow&Version=2019-03-15", "application/json", `{"Name": "st`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object. It is not valid JSON: unexpected end of JSON input at byte 12."},
		{"trailing data", "Action=DescribeFlow&Version=2019-03-15", "application/json", `{"Name": "std"} {}`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object. It is not valid JSON: trailing data after JSON value at byte 16."},
		{"array", "Action=DescribeFlow&Version=2019-03-15", "application/json", `["std"]`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object, not an array."},
		{"string", "Action=DescribeFlow&Version=2019-03-15", "application/json", `"std"`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object, not a string."},
		{"array without a media type", "Action=DescribeFlow&Version=2019-03-15", "", `[1]`,
			400, api.CodeInvalidArgument, prefix + "The request body must be a JSON object, not an array."},
		{"deep but valid body", "Action=DescribeFlow&Version=2019-03-15", "application/json", `{"Name":"std","x":` + deep(20000) + `}`,
			400, api.CodeInvalidArgument, prefix + "The request body nests JSON arrays and objects deeper than the limit of 10000 levels."},
		{"deep but valid Input", "Action=StartExecution&Version=2019-03-15", "application/x-www-form-urlencoded",
			url.Values{"FlowName": {"std"}, "Input": {`{"x":` + deep(32000) + `}`}}.Encode(),
			400, api.CodeInvalidArgument, prefix + "Input nests JSON arrays and objects deeper than the limit of 10000 levels."},
		{"invalid UTF-8 in a JSON body", "Action=DescribeFlow&Version=2019-03-15", "application/json", "{\"Name\":\"st\xffd\"}",
			400, api.CodeInvalidArgument, prefix + "The request body must be valid UTF-8."},
		{"invalid UTF-8 in a form body", "Action=DescribeFlow&Version=2019-03-15", "application/x-www-form-urlencoded", "Name=st%FFd",
			400, api.CodeInvalidArgument, prefix + "Name must be valid UTF-8."},
		{"invalid UTF-8 in the query", "Action=ListFlows&Version=2019-03-15&NextToken=%C3", "", "",
			400, api.CodeInvalidArgument, prefix + "NextToken must be valid UTF-8."},
		{"XML", "Action=DescribeFlow&Version=2019-03-15", "application/xml", "<Name>std</Name>",
			415, api.CodeUnsupportedMediaType, `The content type must be "application/json".`},
		{"text that is not JSON", "Action=DescribeFlow&Version=2019-03-15", "text/plain", "Name=std",
			415, api.CodeUnsupportedMediaType, `The content type must be "application/json".`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?"+tc.query, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			wantError(t, do(t, req), tc.status, tc.code, tc.message)
		})
	}
	// A JSON object body that is fine still works, with or without the media type.
	for _, ctype := range []string{"application/json", ""} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/?Action=DescribeFlow&Version=2019-03-15", strings.NewReader(`{"Name":"std"}`))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		wantOK(t, do(t, req))
	}
}
