package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// Client environment variables.
const (
	envEndpoint  = "CLOUDFLOW_ENDPOINT"
	envKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	envKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"

	defaultEndpoint = "http://127.0.0.1:8080"
	apiVersion      = "2019-03-15"
)

// client calls the CloudFlow API with the generic Alibaba Cloud client
// (darabonba-openapi), as the official SDKs do.
type client struct {
	c      *openapi.Client
	signed bool
}

// newClient builds a client from the environment; endpoint, when not "",
// replaces CLOUDFLOW_ENDPOINT.
func newClient(e env, endpoint string) (*client, error) {
	if endpoint == "" {
		endpoint = strings.TrimSpace(e.getenv(envEndpoint))
	}
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	protocol := "https"
	host := endpoint
	switch {
	case strings.HasPrefix(endpoint, "http://"):
		protocol, host = "http", strings.TrimPrefix(endpoint, "http://")
	case strings.HasPrefix(endpoint, "https://"):
		host = strings.TrimPrefix(endpoint, "https://")
	default:
		h := host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			h = hh
		}
		if ip := net.ParseIP(h); h == "localhost" || ip != nil && ip.IsLoopback() {
			protocol = "http"
		}
	}
	host = strings.TrimSuffix(host, "/")
	if host == "" || strings.ContainsAny(host, "/?#") {
		return nil, fmt.Errorf("%s=%q: want http://host:port, https://host or host[:port]", envEndpoint, endpoint)
	}
	id, secret := strings.TrimSpace(e.getenv(envKeyID)), strings.TrimSpace(e.getenv(envKeySecret))
	if (id == "") != (secret == "") {
		return nil, fmt.Errorf("set both %s and %s, or neither", envKeyID, envKeySecret)
	}
	cfg := &openapi.Config{
		Endpoint: dara.String(host), Protocol: dara.String(protocol),
		ReadTimeout: dara.Int(90_000), ConnectTimeout: dara.Int(5_000),
		NoProxy: dara.String(host),
	}
	if id != "" {
		cfg.AccessKeyId, cfg.AccessKeySecret = dara.String(id), dara.String(secret)
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &client{c: c, signed: id != ""}, nil
}

// reads are the operations the official SDK sends as GET with a query.
var reads = map[string]bool{"DescribeFlow": true, "ListFlows": true, "DescribeExecution": true, "ListExecutions": true, "GetExecutionHistory": true}

// call issues one operation and decodes the response body into out (nil to
// ignore it). The error of a refused request is an *apiError.
func (c *client) call(action string, params map[string]string, out any) error {
	method, req := "POST", &openapi.OpenApiRequest{}
	if reads[action] {
		method, req.Query = "GET", map[string]*string{}
		for k, v := range params {
			req.Query[k] = dara.String(v)
		}
	} else {
		body := map[string]any{}
		for k, v := range params {
			body[k] = v
		}
		req.Body = body
	}
	auth := "Anonymous"
	if c.signed {
		auth = "AK"
	}
	res, err := c.c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String(apiVersion),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String(method),
		AuthType: dara.String(auth), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	if err != nil {
		var se *tea.SDKError
		if errors.As(err, &se) {
			return &apiError{Action: action, Status: dara.IntValue(se.StatusCode), Code: dara.StringValue(se.Code), Message: dara.StringValue(se.Message)}
		}
		return fmt.Errorf("%s: %w", action, err)
	}
	if out == nil {
		return nil
	}
	b, err := json.Marshal(res["body"])
	if err != nil {
		return fmt.Errorf("%s: %w", action, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode response: %w", action, err)
	}
	return nil
}

// apiError is a request the service refused.
type apiError struct {
	Action  string
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	msg := e.Message
	// The SDK's message repeats the code and request details; keep the
	// service's sentence.
	if i := strings.Index(msg, "Message: "); i >= 0 {
		msg = msg[i+len("Message: "):]
	}
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	if rest, ok := strings.CutPrefix(msg, fmt.Sprintf("code: %d, ", e.Status)); ok {
		msg = rest
	}
	if i := strings.Index(msg, " request id: "); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Sprintf("%s: %s (HTTP %d): %s", e.Action, e.Code, e.Status, strings.TrimSpace(msg))
}

// isCode reports whether err is an *apiError with code.
func isCode(err error, code string) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Code == code
}
