//go:build !noalibaba

package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// Function Compute API versions and headers (reference 7.3, platforms 8.2).
const (
	fc3Version = "2023-03-30"
	fc2Version = "2016-08-15"
	// FCInvocationTypeHeader carries invocationType to Function Compute.
	FCInvocationTypeHeader = "x-fc-invocation-type"
	// FCErrorTypeHeader marks a reply in which the function itself failed.
	FCErrorTypeHeader = "x-fc-error-type"
	// fcReadTimeout is the client-side read timeout of an invocation: FC's
	// longest function run. A Task Timeout ends the call earlier through
	// ctx.
	fcReadTimeout = 24 * time.Hour
)

// FCCaller is the part of *openapi.Client (darabonba-openapi) that FC
// needs.
type FCCaller interface {
	CallApiWithCtx(ctx context.Context, params *openapi.Params, req *openapi.OpenApiRequest, runtime *dara.RuntimeOptions) (map[string]any, error)
}

// FCOptions configures FC.
type FCOptions struct {
	// Client returns the client for the Function Compute API of region and
	// account (the ARN's), signed with the engine's credentials; FC calls it
	// once per region and account and keeps the result. An error fails the
	// task with FC.Unknown (for example: no credentials configured).
	// Required.
	Client func(region, account string) (FCCaller, error)
	// MaxResponseBytes bounds the reply FC reads; default 64 KiB (the
	// largest state output). A larger reply fails the task with
	// FnF.InvalidData.
	MaxResponseBytes int64
}

// FC runs FC:InvokeFunction Tasks (reference 7.3) through the Function
// Compute 3.0 or 2.0 InvokeFunction API, as the resourceArn's form says. It
// is safe for concurrent use.
type FC struct {
	opts    FCOptions
	mu      sync.Mutex
	clients map[string]FCCaller // by region + "\x00" + account
}

// NewFC returns an FC runner.
func NewFC(opts FCOptions) *FC {
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = defaultMaxResponseBytes
	}
	return &FC{opts: opts, clients: map[string]FCCaller{}}
}

// FunctionARN is a parsed FC:InvokeFunction resourceArn.
type FunctionARN struct {
	Region, Account string
	// Service is set for the FC 2.0 form only.
	Service  string
	Function string
	// Qualifier is the version or alias; "" when the ARN gives none.
	Qualifier string
}

// ParseFunctionARN parses the FC 3.0 form
// acs:fc:{region}:{accountId}:functions/{name}[/{qualifier}] and the FC 2.0
// form acs:fc:{region}:{accountId}:services/{svc}[.{qualifier}]/functions/{fn}.
// It returns an error naming the problem for anything else.
func ParseFunctionARN(arn string) (FunctionARN, error) {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) != 5 || parts[0] != "acs" || parts[1] != "fc" {
		return FunctionARN{}, fmt.Errorf("resourceArn %q: want acs:fc:{region}:{accountId}:functions/{name}/{qualifier} or acs:fc:{region}:{accountId}:services/{service}.{qualifier}/functions/{name}", arn)
	}
	a := FunctionARN{Region: parts[2], Account: parts[3]}
	if a.Region == "" || a.Account == "" {
		return FunctionARN{}, fmt.Errorf("resourceArn %q: region and account Id are required", arn)
	}
	res := strings.Split(parts[4], "/")
	switch {
	case len(res) >= 2 && len(res) <= 3 && res[0] == "functions":
		a.Function = res[1]
		if len(res) == 3 {
			if a.Qualifier = res[2]; a.Qualifier == "" {
				return FunctionARN{}, fmt.Errorf("resourceArn %q: empty qualifier", arn)
			}
		}
	case len(res) == 4 && res[0] == "services" && res[2] == "functions":
		svc, q, dotted := strings.Cut(res[1], ".")
		if dotted && q == "" {
			return FunctionARN{}, fmt.Errorf("resourceArn %q: empty qualifier", arn)
		}
		a.Service, a.Qualifier, a.Function = svc, q, res[3]
		if a.Service == "" {
			return FunctionARN{}, fmt.Errorf("resourceArn %q: empty service name", arn)
		}
	default:
		return FunctionARN{}, fmt.Errorf("resourceArn %q: resource must be functions/{name}/{qualifier} or services/{service}.{qualifier}/functions/{name}", arn)
	}
	if a.Function == "" {
		return FunctionARN{}, fmt.Errorf("resourceArn %q: empty function name", arn)
	}
	return a, nil
}

// params returns the call's API parameters and query.
func (a FunctionARN) params() (*openapi.Params, map[string]*string) {
	p := &openapi.Params{
		Action:      dara.String("InvokeFunction"),
		Protocol:    dara.String("HTTPS"),
		Method:      dara.String(http.MethodPost),
		AuthType:    dara.String("AK"),
		Style:       dara.String("ROA"),
		ReqBodyType: dara.String("json"),
		BodyType:    dara.String("binary"),
	}
	if a.Service == "" {
		p.Version = dara.String(fc3Version)
		p.Pathname = dara.String("/" + fc3Version + "/functions/" + url.PathEscape(a.Function) + "/invocations")
		if a.Qualifier != "" {
			return p, map[string]*string{"qualifier": dara.String(a.Qualifier)}
		}
		return p, nil
	}
	svc := url.PathEscape(a.Service)
	if a.Qualifier != "" {
		svc += "." + url.PathEscape(a.Qualifier)
	}
	p.Version = dara.String(fc2Version)
	p.Pathname = dara.String("/" + fc2Version + "/services/" + svc + "/functions/" + url.PathEscape(a.Function) + "/invocations")
	return p, nil
}

// client returns the cached client for region and account.
func (f *FC) client(region, account string) (FCCaller, error) {
	key := region + "\x00" + account
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.clients[key]; ok {
		return c, nil
	}
	if f.opts.Client == nil {
		return nil, errors.New("no Function Compute client configured")
	}
	c, err := f.opts.Client(region, account)
	if err != nil {
		return nil, err
	}
	f.clients[key] = c
	return c, nil
}

// Invoke calls the function call's resourceArn names and returns
// {"Body": result}, result being the reply decoded as JSON or, when it does
// not parse, the raw string; an Async invocation returns {"Body": ""} once
// FC accepts it (with WaitForSystemCallback it runs synchronously instead,
// reference 7.3). Errors (*interp.Error): FC.InvalidArgument for bad
// Parameters; FC.<Code> for an FC error response (FC 3.0 Code, FC 2.0
// ErrorCode), FC.Unknown when it has none or no reply arrived; the
// function's errorType (FC.Unknown when none) with its errorMessage as
// detail when the function failed; FnF.InvalidData for a reply above
// MaxResponseBytes. When ctx ends first it returns ctx's cause.
func (f *FC) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	const bad = ErrorFCInvalidArgument
	p, err := paramMap(call, bad, fcParameterKeys)
	if err != nil {
		return nil, err
	}
	arnText, err := stringParam(p, call.Action, "resourceArn", true, bad)
	if err != nil {
		return nil, err
	}
	arn, err := ParseFunctionARN(strings.TrimSpace(arnText))
	if err != nil {
		return nil, failf(bad, "FC:InvokeFunction Parameters.%v", err)
	}
	typ, err := stringParam(p, call.Action, "invocationType", true, bad)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.EqualFold(typ, "Sync"):
		typ = "Sync"
	case strings.EqualFold(typ, "Async"):
		typ = "Async"
	default:
		return nil, failf(bad, "FC:InvokeFunction Parameters.invocationType %q must be Sync or Async", typ)
	}
	if typ == "Async" && call.Mode == flow.WaitForSystemCallback {
		typ = "Sync" // the engine waits for the result itself (reference 7.3)
	}
	var body []byte
	if bv, ok := p["body"]; ok && bv != nil {
		if body, _, err = payload(bv); err != nil {
			return nil, failf(bad, "FC:InvokeFunction Parameters.body: %v", err)
		}
	}
	client, err := f.client(arn.Region, arn.Account)
	if err != nil {
		return nil, failf(ErrorFCUnknown, "function compute client for %s in %s: %v", arn.Account, arn.Region, err)
	}
	params, query := arn.params()
	req := &openapi.OpenApiRequest{
		Headers: map[string]*string{FCInvocationTypeHeader: dara.String(typ)},
		Query:   query,
		Stream:  bytes.NewReader(body), // sent as application/octet-stream
	}
	res, err := client.CallApiWithCtx(ctx, params, req, &dara.RuntimeOptions{ReadTimeout: dara.Int(int(fcReadTimeout / time.Millisecond))})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxFailure(ctx, "FC:InvokeFunction "+arnText)
		}
		return nil, fcError(err)
	}
	status, _ := res["statusCode"].(int)
	data, err := readBody(res["body"], f.opts.MaxResponseBytes)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctxFailure(ctx, "FC:InvokeFunction "+arnText)
		}
		return nil, failf(ErrorFCUnknown, "read the reply of %s: %v", arnText, err)
	}
	if status < 200 || status >= 300 {
		return nil, failf(ErrorFCUnknown, "function compute answered status %d: %s", status, truncate(string(data), maxErrorDetail))
	}
	if et := header(res["headers"], FCErrorTypeHeader); et != "" {
		return nil, functionError(data)
	}
	if int64(len(data)) > f.opts.MaxResponseBytes {
		return nil, failf(interp.ErrorInvalidData, "FC:InvokeFunction %s: reply exceeds %d bytes", arnText, f.opts.MaxResponseBytes)
	}
	if typ == "Async" {
		return map[string]any{"Body": ""}, nil
	}
	return map[string]any{"Body": decodeOrString(data)}, nil
}

// readBody reads up to limit+1 bytes of a binary reply body and closes it.
func readBody(b any, limit int64) ([]byte, error) {
	rc, ok := b.(io.ReadCloser)
	if !ok {
		if r, ok := b.(io.Reader); ok {
			return io.ReadAll(io.LimitReader(r, limit+1))
		}
		return nil, nil
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(io.LimitReader(rc, limit+1))
}

// header looks a reply header up, ignoring case.
func header(h any, name string) string {
	switch m := h.(type) {
	case map[string]*string:
		for k, v := range m {
			if strings.EqualFold(k, name) && v != nil {
				return *v
			}
		}
	case map[string]string:
		for k, v := range m {
			if strings.EqualFold(k, name) {
				return v
			}
		}
	}
	return ""
}

// functionError names a function's own failure after the errorType it
// reported (FC.Unknown when none), with its errorMessage as detail.
func functionError(data []byte) *interp.Error {
	var fe struct {
		ErrorType    any `json:"errorType"`
		ErrorMessage any `json:"errorMessage"`
	}
	name, detail := ErrorFCUnknown, truncate(string(data), maxErrorDetail)
	if json.Unmarshal(data, &fe) == nil {
		if s, ok := fe.ErrorType.(string); ok && s != "" {
			name = s
		}
		if s, ok := fe.ErrorMessage.(string); ok {
			detail = truncate(s, maxErrorDetail)
		}
	}
	return &interp.Error{Name: name, Detail: detail}
}

// fcError maps an error of CallApiWithCtx: an error response with a code
// (FC 3.0 Code, FC 2.0 ErrorCode) is FC.<code>, anything else FC.Unknown.
func fcError(err error) *interp.Error {
	var sdk *tea.SDKError
	if !errors.As(err, &sdk) {
		return failf(ErrorFCUnknown, "%v", err)
	}
	// The SDK spells a missing code or message "<nil>".
	code, msg := dara.StringValue(sdk.Code), dara.StringValue(sdk.Message)
	if code == "<nil>" {
		code = ""
	}
	if data := dara.StringValue(sdk.Data); data != "" {
		var body map[string]any
		if json.Unmarshal([]byte(data), &body) == nil {
			if code == "" {
				code, _ = body["ErrorCode"].(string)
			}
			msg = truncate(data, maxErrorDetail) // the error body, when it names no message
			for _, k := range []string{"Message", "message", "ErrorMessage"} {
				if m, ok := body[k].(string); ok && m != "" {
					msg = m
					break
				}
			}
		}
	}
	if code == "" {
		return failf(ErrorFCUnknown, "%s", msg)
	}
	return failf(errorPrefixFC+code, "%s", msg)
}

// ParameterKeys returns the Parameters keys FC:InvokeFunction accepts.
func (*FC) ParameterKeys() []string { return slices.Clone(fcParameterKeys) }
