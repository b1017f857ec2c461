package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// Actions served natively (reference 7.3 to 7.5).
const (
	ActionHTTPRequest        = "HTTP:Request"
	ActionFCInvokeFunction   = "FC:InvokeFunction"
	ActionFNFStartExecution  = "FNF:StartExecution"
	errorPrefixHTTP          = "HTTP."
	errorPrefixFC            = "FC."
	errorPrefixFNF           = "FNF."
	maxErrorDetail           = 4096 // characters of a response body kept in an error detail
	defaultMaxResponseBytes  = 64 << 10
	invalidArgumentErrorCode = "InvalidArgument"
)

// Error names raised by the native integrations besides the service codes
// they pass through (reference 6.4; project decisions documented in
// README-integrations.md).
const (
	// ErrorHTTPRequestFailed: HTTP:Request got no response (DNS, connect,
	// TLS, reset).
	ErrorHTTPRequestFailed = "HTTP.RequestFailed"
	// ErrorHTTPInvalidArgument: HTTP:Request Parameters are missing or
	// malformed (url, method, headers, body), or the host is not allowed.
	ErrorHTTPInvalidArgument = errorPrefixHTTP + invalidArgumentErrorCode
	// ErrorFCInvalidArgument: FC:InvokeFunction Parameters are missing or
	// malformed (resourceArn, invocationType, body).
	ErrorFCInvalidArgument = errorPrefixFC + invalidArgumentErrorCode
	// ErrorFCUnknown: Function Compute failed without a readable error
	// code, or a function failed without an errorType.
	ErrorFCUnknown = "FC.Unknown"
	// ErrorFNFInvalidArgument: FNF:StartExecution Parameters are missing or
	// malformed (resourceArn, executionName, input).
	ErrorFNFInvalidArgument = errorPrefixFNF + invalidArgumentErrorCode
	// ErrorFNFAccessDenied: FNF:StartExecution named another account's flow.
	ErrorFNFAccessDenied = "FNF.AccessDenied"
)

// failf returns an *interp.Error named name.
func failf(name, format string, args ...any) *interp.Error {
	return &interp.Error{Name: name, Detail: fmt.Sprintf(format, args...)}
}

// ctxFailure returns the error for a call ended by ctx: a plain error
// wrapping ctx's cause, so that the engine reports FnF.Timeout for a Task
// Timeout (an *interp.Error would keep its own name).
func ctxFailure(ctx context.Context, what string) error {
	return fmt.Errorf("%s: %w", what, context.Cause(ctx))
}

// paramMap returns call's Parameters as a map; nil Parameters are an empty
// map, anything else but an object is an error named errName.
func paramMap(call interp.TaskCall, errName string) (map[string]any, error) {
	switch p := call.Parameters.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return p, nil
	default:
		return nil, failf(errName, "%s Parameters must be an object, got %s", call.Action, kind(p))
	}
}

// stringParam returns the string parameter key; missing is "" when
// !required, an error otherwise.
func stringParam(p map[string]any, action, key string, required bool, errName string) (string, error) {
	v, ok := p[key]
	if !ok || v == nil {
		if required {
			return "", failf(errName, "%s Parameters.%s is required", action, key)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", failf(errName, "%s Parameters.%s must be a string, got %s", action, key, kind(v))
	}
	if required && strings.TrimSpace(s) == "" {
		return "", failf(errName, "%s Parameters.%s is required", action, key)
	}
	return s, nil
}

// payload serializes a body parameter: a string as is, anything else as
// JSON. json reports whether JSON was produced.
func payload(v any) (data []byte, json bool, err error) {
	if s, ok := v.(string); ok {
		return []byte(s), false, nil
	}
	b, err := value.Encode(v)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// decodeOrString returns the decoded JSON value of b, or b as a string when
// it does not parse.
func decodeOrString(b []byte) any {
	if v, err := value.Decode(b); err == nil {
		return v
	}
	return string(b)
}

// truncate keeps the first n characters (runes) of s.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// kind names the JSON type of v for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int64, float64, int:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
