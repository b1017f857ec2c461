// Command deleteflowalias serves the CloudFlow DeleteFlowAlias operation on AWS Lambda, on a Function Compute
// custom runtime or locally; -event FILE replays a sample from events/deleteflowalias.
package main

import (
	"context"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

func main() {
	env := platform.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(platform.Main(context.Background(), platform.Program{Name: "deleteflowalias", Operations: []string{"DeleteFlowAlias"}}, env))
}
