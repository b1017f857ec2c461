// Command getexecutionhistory serves the CloudFlow GetExecutionHistory operation on AWS Lambda, on a Function Compute
// custom runtime or locally; -event FILE replays a sample from events/getexecutionhistory.
package main

import (
	"context"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

func main() {
	env := platform.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(platform.Main(context.Background(), platform.Program{Name: "getexecutionhistory", Operations: []string{"GetExecutionHistory"}}, env))
}
