// Command local serves every CloudFlow operation on one loopback endpoint with the bbolt store
// in a data directory, running Standard executions in-process:
//
//	go run ./functions/local -addr 127.0.0.1:8080 -data .cloudflow-data
//
// With -event FILE it replays a sample (for example events/local/quickstart.json) against a fresh
// temporary store, unless -data is given, and prints the responses.
package main

import (
	"context"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

func main() {
	env := platform.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(platform.Main(context.Background(), platform.Program{Name: "local", DevServer: true}, env))
}
