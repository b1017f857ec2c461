// Command cloudflow is the developer tool of this project: it validates,
// draws, runs and tests flow files offline, and drives a running service
// (CloudFlow API) from a terminal or CI.
//
//	go install ./cmd/cloudflow
//	cloudflow run examples/order/order.yaml -mock examples/order/order.mock.yaml -input '{"orderId":"o-1","total":3,"items":[1]}'
//
// Run cloudflow -h for the commands, and cloudflow COMMAND -h for each one's
// flags and environment variables.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(Main(ctx, env{args: os.Args[1:], getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, tty: isTerminal(os.Stderr)}))
}

// env is the outside world a command sees.
type env struct {
	args           []string
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal: show progress
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
