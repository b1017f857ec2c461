//go:build !noalibaba

package dispatch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// FC API constants (Function Compute 3.0, ROA style).
const (
	fcVersion = "2023-03-30"
	// InvocationTypeHeader selects an asynchronous invocation when set to
	// "Async".
	InvocationTypeHeader = "x-fc-invocation-type"
	// DefaultQualifier is the version or alias invoked when FCOptions gives
	// none.
	DefaultQualifier = "LATEST"
)

// fcCaller is the part of *openapi.Client that FC needs.
type fcCaller interface {
	CallApiWithCtx(ctx context.Context, params *openapi.Params, req *openapi.OpenApiRequest, runtime *dara.RuntimeOptions) (map[string]any, error)
}

// FCClientConfig locates the Function Compute API and holds the
// credentials its requests are signed with (ACS3-HMAC-SHA256).
type FCClientConfig struct {
	// AccountID and Region give the endpoint <AccountID>.<Region>.fc.aliyuncs.com
	// (FC_ACCOUNT_ID, FC_REGION on Function Compute).
	AccountID, Region string
	// Endpoint, when set, replaces that endpoint (host[:port]); for tests.
	Endpoint string
	// Protocol is "https" (default) or "http" (for tests).
	Protocol string
	// AccessKeyID, AccessKeySecret and SecurityToken are the function role's
	// credentials (ALIBABA_CLOUD_ACCESS_KEY_ID, _SECRET, _SECURITY_TOKEN).
	AccessKeyID, AccessKeySecret, SecurityToken string
}

// NewFCClient returns a darabonba-openapi client for the Function Compute
// API. It returns an error when the endpoint cannot be formed (no Endpoint
// and no AccountID or Region) or a credential is missing.
func NewFCClient(cfg FCClientConfig) (*openapi.Client, error) {
	endpoint := cfg.Endpoint
	if endpoint == "" {
		if cfg.AccountID == "" || cfg.Region == "" {
			return nil, fmt.Errorf("function compute endpoint: need an account Id and a region")
		}
		endpoint = cfg.AccountID + "." + cfg.Region + ".fc.aliyuncs.com"
	}
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, fmt.Errorf("function compute credentials: need an access key id and secret")
	}
	protocol := cfg.Protocol
	if protocol == "" {
		protocol = "https"
	}
	c := &openapi.Config{
		AccessKeyId:     dara.String(cfg.AccessKeyID),
		AccessKeySecret: dara.String(cfg.AccessKeySecret),
		Endpoint:        dara.String(endpoint),
		Protocol:        dara.String(protocol),
		RegionId:        dara.String(cfg.Region),
		ConnectTimeout:  dara.Int(5_000),
		ReadTimeout:     dara.Int(10_000),
	}
	if cfg.SecurityToken != "" {
		c.SecurityToken = dara.String(cfg.SecurityToken)
	}
	client, err := openapi.NewClient(c)
	if err != nil {
		return nil, fmt.Errorf("function compute client: %w", err)
	}
	return client, nil
}

// FCOptions configures FC.
type FCOptions struct {
	// Qualifier is the version or alias to invoke; default DefaultQualifier.
	Qualifier string
}

// FC enqueues executions by invoking a Function Compute runner function
// asynchronously (InvokeFunction with x-fc-invocation-type: Async) with
// RunEvent as the body. It is safe for concurrent use.
type FC struct {
	client    fcCaller
	function  string
	qualifier string
}

// NewFC returns an FC that invokes function through client, usually from
// NewFCClient.
func NewFC(client fcCaller, function string, opts FCOptions) *FC {
	if opts.Qualifier == "" {
		opts.Qualifier = DefaultQualifier
	}
	return &FC{client: client, function: function, qualifier: opts.Qualifier}
}

// Enqueue sends the run event for ref. It returns the client's error
// wrapped with the function name when the call fails (FC answers 4xx and
// 5xx as errors), and a *StatusError (ErrNotAccepted) for any other status
// but 202.
func (f *FC) Enqueue(ctx context.Context, ref execution.Ref) error {
	params := &openapi.Params{
		Action:      dara.String("InvokeFunction"),
		Version:     dara.String(fcVersion),
		Protocol:    dara.String("HTTPS"),
		Pathname:    dara.String("/" + fcVersion + "/functions/" + url.PathEscape(f.function) + "/invocations"),
		Method:      dara.String(http.MethodPost),
		AuthType:    dara.String("AK"),
		Style:       dara.String("ROA"),
		ReqBodyType: dara.String("json"),
		BodyType:    dara.String("binary"),
	}
	req := &openapi.OpenApiRequest{
		Headers: map[string]*string{InvocationTypeHeader: dara.String("Async")},
		Query:   map[string]*string{"qualifier": dara.String(f.qualifier)},
		Stream:  bytes.NewReader(RunEvent(ref)), // sent as application/octet-stream
	}
	res, err := f.client.CallApiWithCtx(ctx, params, req, &dara.RuntimeOptions{})
	if err != nil {
		return fmt.Errorf("invoke %s asynchronously: %w", f.function, err)
	}
	if body, ok := res["body"].(io.ReadCloser); ok {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
		_ = body.Close()
	}
	if code, _ := res["statusCode"].(int); code != http.StatusAccepted {
		return &StatusError{Function: f.function, Status: code}
	}
	return nil
}
