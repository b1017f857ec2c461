package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// startTimeout bounds the store and client set-up of New (loading the AWS
// configuration, creating a missing table).
const startTimeout = 30 * time.Second

// CloudParkAfter is execution.Options.ParkAfter with a cloud runner: a
// parked execution there is woken by the scheduled sweep, once a minute, so
// a shorter Wait or Retry interval sleeps in its invocation unless the
// invocation's time runs out first.
const CloudParkAfter = time.Minute

// ErrNotBuilt is returned by New when the configuration asks for a cloud
// part (a store, runner or secret store of AWS or Alibaba Cloud) that this
// binary was built without: the Lambda bootstrap is built with the tag
// noalibaba and the Function Compute bootstrap with noaws (see the
// Makefile), so each links only its own cloud's SDKs. The binary still
// detects its host at run time; it only cannot talk to the other cloud.
var ErrNotBuilt = errors.New("not built into this binary")

// openStore opens the store cfg.Store names.
func openStore(ctx context.Context, cfg Config) (store, error) {
	switch cfg.Store {
	case StoreMemory:
		return kv.NewMemStore(), nil
	case StoreDynamo:
		return openDynamo(ctx, cfg)
	case StoreTablestore:
		return openTablestore(cfg)
	default:
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		b, err := kv.OpenBolt(cfg.DataDir, kv.BoltOptions{Timeout: time.Second})
		if err != nil {
			return nil, fmt.Errorf("open store in %s: %w", cfg.DataDir, err)
		}
		return b, nil
	}
}

// newEnqueuer returns the cloud runner's Enqueuer, or nil for the local
// pool.
func newEnqueuer(ctx context.Context, cfg Config) (execution.Enqueuer, error) {
	switch cfg.Runner {
	case RunnerLambda:
		return newLambdaEnqueuer(ctx, cfg)
	case RunnerFC:
		return newFCEnqueuer(cfg)
	default:
		return nil, nil
	}
}
