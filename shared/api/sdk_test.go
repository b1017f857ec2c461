package api_test

import (
	"errors"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
)

// newSDKClient returns the generic Alibaba Cloud OpenAPI client pointed at
// the test server: classic selects the RPC HMAC-SHA1 signature the official
// fnf SDK uses, otherwise ACS3-HMAC-SHA256.
func newSDKClient(t *testing.T, srvURL string, classic bool) *openapi.Client {
	t.Helper()
	cfg := &openapi.Config{
		AccessKeyId:     dara.String("test-key"),
		AccessKeySecret: dara.String("test-secret"),
		Endpoint:        dara.String(strings.TrimPrefix(srvURL, "http://")),
		Protocol:        dara.String("http"),
		ReadTimeout:     dara.Int(20_000),
		ConnectTimeout:  dara.Int(5_000),
	}
	if classic {
		cfg.SignatureAlgorithm = dara.String("v2")
	}
	c, err := openapi.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sdkCall issues one operation the way the official SDK does: GET with a
// query for reads, POST with a form body for writes.
func sdkCall(c *openapi.Client, action string, read bool, params map[string]string) (map[string]any, error) {
	method, req := "POST", &openapi.OpenApiRequest{}
	if read {
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
	res, err := c.CallApi(&openapi.Params{
		Action: dara.String(action), Version: dara.String("2019-03-15"),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String(method),
		AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, req, &dara.RuntimeOptions{})
	if err != nil {
		return nil, err
	}
	body, _ := res["body"].(map[string]any)
	return body, nil
}

func TestHandler_SDKClient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		classic bool
	}{{"rpc-hmac-sha1", true}, {"acs3", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			c := newSDKClient(t, e.srv.URL, tc.classic)
			must := func(body map[string]any, err error) map[string]any {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				if id, _ := body["RequestId"].(string); id == "" {
					t.Fatalf("response %v has no RequestId", body)
				}
				return body
			}
			def := defOf("orders")
			created := must(sdkCall(c, "CreateFlow", false, map[string]string{
				"Name": "orders", "Definition": def, "Description": "d", "Type": "FDL",
				"Environment": `{"Variables":[{"Name":"k","Value":"v"}]}`,
			}))
			if created["Name"] != "orders" || created["Definition"] != def || created["ExecutionMode"] != "Standard" {
				t.Errorf("CreateFlow = %v", created)
			}
			if env, ok := created["Environment"].(map[string]any); !ok || env["Variables"] == nil {
				t.Errorf("CreateFlow Environment = %#v, want an object with Variables", created["Environment"])
			}
			described := must(sdkCall(c, "DescribeFlow", true, map[string]string{"Name": "orders"}))
			if described["Id"] != created["Id"] || described["CreatedTime"] != created["CreatedTime"] {
				t.Errorf("DescribeFlow = %v, want Id and CreatedTime of %v", described, created)
			}
			started := must(sdkCall(c, "StartExecution", false, map[string]string{"FlowName": "orders", "ExecutionName": "exec1", "Input": `{"key":"value"}`}))
			if started["Name"] != "exec1" || started["Status"] != "Starting" {
				t.Errorf("StartExecution = %v, want exec1 Starting", started)
			}
			done := must(sdkCall(c, "DescribeExecution", true, map[string]string{"FlowName": "orders", "ExecutionName": "exec1", "WaitTimeSeconds": "10"}))
			if done["Status"] != "Succeeded" || done["Output"] != `{"key":"value"}` {
				t.Errorf("DescribeExecution = %v, want Succeeded with Output", done)
			}
			must(sdkCall(c, "CreateFlow", false, map[string]string{"Name": "quick", "Definition": defOf("quick"), "Description": "", "ExecutionMode": "Express"}))
			synced := must(sdkCall(c, "StartSyncExecution", false, map[string]string{"FlowName": "quick", "ExecutionName": "s", "Input": `{"a":1}`}))
			if synced["Status"] != "Succeeded" || synced["Output"] != `{"a":1}` || !strings.HasPrefix(synced["Name"].(string), "s:") {
				t.Errorf("StartSyncExecution = %v", synced)
			}

			_, err := sdkCall(c, "DescribeFlow", true, map[string]string{"Name": "missing"})
			var sdkErr *tea.SDKError
			if !errors.As(err, &sdkErr) {
				t.Fatalf("DescribeFlow(missing) error = %v, want a *tea.SDKError", err)
			}
			if dara.StringValue(sdkErr.Code) != "FlowNotExists" || dara.IntValue(sdkErr.StatusCode) != 404 {
				t.Errorf("SDKError code %s status %d, want FlowNotExists 404", dara.StringValue(sdkErr.Code), dara.IntValue(sdkErr.StatusCode))
			}
			if !strings.Contains(dara.StringValue(sdkErr.Message), "Flow  missing does not exist.") {
				t.Errorf("SDKError message %q lacks the reference text", dara.StringValue(sdkErr.Message))
			}
		})
	}
}
