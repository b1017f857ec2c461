//go:build noaws

package app

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

func openDynamo(context.Context, Config) (store, error) {
	return nil, notBuilt("STORE="+StoreDynamo, "noaws")
}

func newLambdaEnqueuer(context.Context, Config) (execution.Enqueuer, error) {
	return nil, notBuilt("RUNNER="+RunnerLambda, "noaws")
}

func readAWSSecret(context.Context, string) (string, error) {
	return "", notBuilt("a Secrets Manager secret", "noaws")
}
