// Command reporttasksucceeded serves the CloudFlow ReportTaskSucceeded operation on AWS Lambda, on a Function Compute
// custom runtime or locally; -event FILE replays a sample from events/reporttasksucceeded.
package main

import (
	"context"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

func main() {
	env := platform.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(platform.Main(context.Background(), platform.Program{Name: "reporttasksucceeded", Operations: []string{"ReportTaskSucceeded"}}, env))
}
