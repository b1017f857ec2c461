package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

// ExampleLambdaHandler serves a Function URL event through an http.Handler, as lambda.Start
// would call it with the event's bytes.
func ExampleLambdaHandler() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = fmt.Fprintf(w, `{"RequestId":"1","Action":%q,"Host":%q}`, r.URL.Query().Get("Action"), r.Host)
	})
	h := platform.LambdaHandler(api, nil)
	event := `{"version":"2.0","rawPath":"/","rawQueryString":"Action=ListFlows&Version=2019-03-15",
		"headers":{"host":"abc.lambda-url.us-east-1.on.aws"},"requestContext":{"http":{"method":"GET"}}}`
	res, err := h(context.Background(), json.RawMessage(event))
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"application/json;charset=utf-8"},"multiValueHeaders":null,"body":"{\"RequestId\":\"1\",\"Action\":\"ListFlows\",\"Host\":\"abc.lambda-url.us-east-1.on.aws\"}","cookies":null}
}

// ExampleDetect shows the host chosen for a Function Compute environment.
func ExampleDetect() {
	env := map[string]string{"FC_FUNCTION_NAME": "cloudflow-start-execution", "FC_CUSTOM_LISTEN_PORT": "9000"}
	fmt.Println(platform.Detect(func(k string) string { return env[k] }))
	// Output: fc
}
