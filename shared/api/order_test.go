package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// The path, the Action and the Version are checked before the parameters
// are (reference 11.3): a malformed or repeated parameter on a request for a
// wrong path, Action or Version is answered for the path, Action or Version.
func TestHandler_ServeHTTP_OrderOfChecks(t *testing.T) {
	e := newEnv(t, nil, nil)
	tests := []struct {
		name        string
		target      string
		contentType string
		body        string
		status      int
		code        string
		message     string
	}{
		{"other path before repeated parameter", "/foo?a=1&a=2", "", "", 400, "ActionNotSupported",
			"The requested API operation '/foo' is incorrect. Please check."},
		{"unknown Action before repeated parameter", "/?Action=Nope&Version=" + api.Version + "&a=1&a=2", "", "", 400, "ActionNotSupported",
			"The requested API operation 'Nope' is incorrect. Please check."},
		{"wrong Version before unreadable body", "/?Action=DescribeFlow&Version=1", "text/xml", "<x/>", 400, "APIVersionNotSupported",
			"The requested API version '1' is not supported yet. Please check."},
		{"right Action and Version: the parameter error answers", "/?Action=DescribeFlow&Version=" + api.Version + "&Name=a&Name=b", "", "", 400, "InvalidArgument",
			`Parameter error. "Name" must be given at most once.`},
		{"right Action and Version: the media type answers", "/?Action=DescribeFlow&Version=" + api.Version, "text/xml", "<x/>", 415, "UnsupportedMediaType",
			`The content type must be "application/json".`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+tc.target, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			wantError(t, do(t, req), tc.status, tc.code, tc.message)
		})
	}
}
