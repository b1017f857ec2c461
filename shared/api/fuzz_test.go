package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// FuzzHandler_Decode feeds arbitrary query strings, content types and
// bodies to the handler: every answer must be a JSON object with a
// RequestId and never a 5xx.
func FuzzHandler_Decode(f *testing.F) {
	f.Add("Action=CreateFlow&Version=2019-03-15", "application/x-www-form-urlencoded", "Name=f&Definition=d")
	f.Add("", "application/json", `{"Action":"StartExecution","Version":"2019-03-15","FlowName":"f","Input":{"a":1}}`)
	f.Add("Action=ListFlows&Version=2019-03-15&Limit=x", "", "")
	f.Add("Action=DescribeExecution&Version=2019-03-15", "text/plain", "{")
	f.Add("%zz", "application/x-www-form-urlencoded", "%zz=1")
	f.Add("Action=CreateFlowAlias&Version=2019-03-15", "application/json", `{"FlowName":"f","Name":"a","RoutingConfigurations":[{"Version":"1","Weight":30}]}`)
	f.Add("Action=UpdateFlowAlias&Version=2019-03-15", "application/x-www-form-urlencoded", `FlowName=f&Name=a&RoutingConfigurations=[{"Version":"01","Weight":1e3}]`)
	f.Add("Action=StartExecution&Version=2019-03-15&FlowName=f&Qualifier=99999999999999999999", "", "")
	f.Add("Action=ListFlowVersions&Version=2019-03-15&FlowName=f&NextToken=-1", "", "")
	f.Add("Action=CreateFlow&Version=2019-03-15", "application/x-www-form-urlencoded", url.Values{"Name": {"g"}, "Definition": {defOf("g")}}.Encode())
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: interp.New(interp.Options{Tasks: echoTasks{}})})
	f.Cleanup(func() { _ = svc.Close() })
	// Flow f exists, so the seeds that name it reach the service.
	if _, err := svc.CreateFlow(context.Background(), execution.CreateFlowInput{Name: "f", Definition: defOf("f")}); err != nil {
		f.Fatal(err)
	}
	h := api.NewHandler(svc, api.Options{})
	f.Fuzz(func(t *testing.T, query, ctype, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
		req.URL.RawQuery = query
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("body %q is not a JSON object: %v", rec.Body.String(), err)
		}
		if rec.Code >= 500 {
			t.Fatalf("status %d for query %q body %q: %v", rec.Code, query, body, out)
		}
		if id, _ := out["RequestId"].(string); id == "" {
			t.Fatalf("no RequestId in %v", out)
		}
	})
}
