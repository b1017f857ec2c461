package app

import (
	"context"
	"fmt"
	"os"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
	"github.com/cloudflow-oss/cloudflow/shared/kv/tablestore"
)

// startTimeout bounds the store and client set-up of New (loading the AWS
// configuration, creating a missing table).
const startTimeout = 30 * time.Second

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

// openDynamo opens the DynamoDB store: on a local server (DynamoEndpoint)
// with dummy credentials, creating the table when it is missing; otherwise
// with the region and credentials of the AWS default config chain, on the
// table the template deployed.
func openDynamo(ctx context.Context, cfg Config) (store, error) {
	var client *dynamodb.Client
	if cfg.DynamoEndpoint != "" {
		client = dynamo.NewLocalClient(cfg.DynamoEndpoint)
		if err := dynamo.CreateTable(ctx, client, cfg.TableName); err != nil {
			return nil, fmt.Errorf("create table %s at %s: %w", cfg.TableName, cfg.DynamoEndpoint, err)
		}
	} else {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		client = dynamodb.NewFromConfig(awsCfg)
	}
	s, err := dynamo.New(client, cfg.TableName)
	if err != nil {
		return nil, fmt.Errorf("open DynamoDB store: %w", err)
	}
	return s, nil
}

// openTablestore opens the Tablestore store, creating its table when it is
// missing (s.yaml does not create it).
func openTablestore(cfg Config) (store, error) {
	oc := ots.NewDefaultTableStoreConfig()
	oc.HTTPTimeout.ConnectionTimeout = 5 * time.Second
	oc.HTTPTimeout.RequestTimeout = 10 * time.Second
	client := ots.NewClientWithConfig(cfg.OTSEndpoint, cfg.OTSInstance,
		cfg.Alibaba.AccessKeyID, cfg.Alibaba.AccessKeySecret, cfg.Alibaba.SecurityToken, oc)
	if err := tablestore.CreateTable(client, cfg.TableName); err != nil {
		return nil, fmt.Errorf("open Tablestore table %s on %s: %w", cfg.TableName, cfg.OTSInstance, err)
	}
	s, err := tablestore.New(client, cfg.TableName)
	if err != nil {
		return nil, fmt.Errorf("open Tablestore store: %w", err)
	}
	return s, nil
}

// newEnqueuer returns the cloud runner's Enqueuer, or nil for the local
// pool.
func newEnqueuer(ctx context.Context, cfg Config) (execution.Enqueuer, error) {
	switch cfg.Runner {
	case RunnerLambda:
		// The default chain also reads AWS_ENDPOINT_URL_LAMBDA, which points
		// the client at a stand-in server.
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		return dispatch.NewLambda(lambda.NewFromConfig(awsCfg), cfg.RunnerFunction), nil
	case RunnerFC:
		client, err := newFCClient(cfg, cfg.FCRegion, cfg.FCAccountID)
		if err != nil {
			return nil, err
		}
		return dispatch.NewFC(client, cfg.RunnerFunction, dispatch.FCOptions{}), nil
	default:
		return nil, nil
	}
}
