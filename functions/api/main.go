// Command api serves every CloudFlow operation on one endpoint, path "/", on AWS Lambda (behind one
// Function URL), on a Function Compute custom runtime (behind one HTTP trigger) or locally: the
// endpoint to give an SDK. CLOUDFLOW_OPERATIONS limits it to some Actions, which is how the
// deployments run the per-operation functions from this same bootstrap.
package main

import (
	"context"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

func main() {
	env := platform.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(platform.Main(context.Background(), platform.Program{Name: "api"}, env))
}
