//go:build noalibaba

package app

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

func openTablestore(Config) (store, error) {
	return nil, notBuilt("STORE="+StoreTablestore, "noalibaba")
}

func newFCEnqueuer(Config) (execution.Enqueuer, error) {
	return nil, notBuilt("RUNNER="+RunnerFC, "noalibaba")
}

// addFCIntegration leaves FC:InvokeFunction out: a flow naming it is
// refused at CreateFlow like any action no integration serves (unless the
// mock file answers it).
func addFCIntegration(Config, map[string]interp.TaskRunner) {}

func readKMSSecret(context.Context, Config, string) (string, error) {
	return "", notBuilt("a KMS secret", "noalibaba")
}
