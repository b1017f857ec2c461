package action

import (
	"context"
	"fmt"
	"maps"
	"slices"
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

// Parameter keys of the native integrations (reference 7.3 to 7.5); any
// other key is refused, at CreateFlow for literal keys and at run time for
// keys an expression produced.
var (
	httpParameterKeys = []string{"url", "method", "headers", "body"}
	fcParameterKeys   = []string{"resourceArn", "invocationType", "body"}
	fnfParameterKeys  = []string{"resourceArn", "executionName", "input"}
)

// ParameterKeyer is implemented by task runners that accept a fixed set of
// Parameters keys; Registry.CheckParameters consults it.
type ParameterKeyer interface {
	// ParameterKeys returns the accepted keys, in documentation order.
	ParameterKeys() []string
}

// UnknownParameterError is an unknown Parameters key of an integration.
type UnknownParameterError struct {
	Action string
	Key    string
	Known  []string // the integration's keys
}

// Error returns a message naming the key and the accepted keys.
func (e *UnknownParameterError) Error() string {
	return fmt.Sprintf("%s has no parameter %q (its parameters: %s)", e.Action, e.Key, strings.Join(e.Known, ", "))
}

// checkKeys returns the UnknownParameterError of the first key (in sorted
// order) that known lacks, or nil.
func checkKeys(action string, keys, known []string) *UnknownParameterError {
	bad := ""
	for _, k := range keys {
		if !slices.Contains(known, k) && (bad == "" || k < bad) {
			bad = k
		}
	}
	if bad == "" {
		return nil
	}
	return &UnknownParameterError{Action: action, Key: bad, Known: known}
}

// paramMap returns call's Parameters as a map; nil Parameters are an empty
// map, anything else but an object, or an object with a key outside known,
// is an error named errName.
func paramMap(call interp.TaskCall, errName string, known []string) (map[string]any, error) {
	switch p := call.Parameters.(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		if e := checkKeys(call.Action, slices.Collect(maps.Keys(p)), known); e != nil {
			return nil, failf(errName, "%v", e)
		}
		return p, nil
	default:
		return nil, failf(errName, "%s Parameters must be an object, got %s", call.Action, value.Describe(p))
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
		return "", failf(errName, "%s Parameters.%s must be a string, got %s", action, key, value.Describe(v))
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
