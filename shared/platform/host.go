package platform

import "github.com/cloudflow-oss/cloudflow/shared/app"

// Host names the platform a function binary runs on.
type Host string

// The hosts Detect reports.
const (
	Lambda Host = "lambda" // AWS Lambda (also sam local), OS-only runtime provided.al2023
	FC     Host = "fc"     // Alibaba Cloud Function Compute 3.0, custom runtime
	Local  Host = "local"  // neither: a developer machine or a test
)

// Detect reports the host from the environment; main passes os.Getenv.
//
// AWS_LAMBDA_RUNTIME_API is checked first (lambda.Start exits the process when it is missing, so
// it must never be called speculatively), then FC_FUNCTION_NAME or FC_CUSTOM_LISTEN_PORT.
func Detect(getenv func(string) string) Host {
	switch {
	case getenv(app.EnvLambdaRuntimeAPI) != "":
		return Lambda
	case getenv(app.EnvFCFunctionName) != "" || getenv(app.EnvFCListenPort) != "":
		return FC
	default:
		return Local
	}
}
