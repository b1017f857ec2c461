//go:build !noaws

package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// errNoAWSCredentials is returned when the AWS wiring finds no credentials
// in the environment.
var errNoAWSCredentials = errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are unset (the Lambda runtime sets them from the function's role)")

// awsEnv is the AWS configuration as Lambda provides it: region, the role's
// credentials and optional endpoint overrides (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_<SERVICE>), all from environment variables.
//
// It deliberately does not use config.LoadDefaultConfig: the shared config
// files, SSO, STS web identity and IMDS that the default chain links cost
// 1.8 MB of every Lambda bootstrap and are never used on Lambda. To run a
// binary against real AWS elsewhere, export the credentials first (for
// example with `aws configure export-credentials --format env`).
type awsEnv struct {
	env awsconfig.EnvConfig
	cfg aws.Config
}

// loadAWSEnv reads the AWS environment.
func loadAWSEnv() (awsEnv, error) {
	env, err := awsconfig.NewEnvConfig()
	if err != nil {
		return awsEnv{}, fmt.Errorf("read AWS environment: %w", err)
	}
	if !env.Credentials.HasKeys() {
		return awsEnv{}, errNoAWSCredentials
	}
	cfg := aws.Config{
		Region:      env.Region,
		Credentials: aws.NewCredentialsCache(credentials.StaticCredentialsProvider{Value: env.Credentials}),
	}
	if env.BaseEndpoint != "" {
		cfg.BaseEndpoint = aws.String(env.BaseEndpoint)
	}
	return awsEnv{env: env, cfg: cfg}, nil
}

// endpoint returns the endpoint override for the service sdkID ("Lambda",
// "DynamoDB", "Secrets Manager"), or nil for the default.
func (e awsEnv) endpoint(ctx context.Context, sdkID string) *string {
	if u, ok, err := e.env.GetServiceBaseEndpoint(ctx, sdkID); err == nil && ok && u != "" {
		return aws.String(u)
	}
	return e.cfg.BaseEndpoint
}

// openDynamo opens the DynamoDB store: on a local server (DynamoEndpoint)
// with dummy credentials, creating the table when it is missing; otherwise
// with the region and credentials of the environment (awsEnv), on the table
// the template deployed.
func openDynamo(ctx context.Context, cfg Config) (store, error) {
	var client *dynamodb.Client
	if cfg.DynamoEndpoint != "" {
		client = dynamo.NewLocalClient(cfg.DynamoEndpoint)
		if err := dynamo.CreateTable(ctx, client, cfg.TableName); err != nil {
			return nil, fmt.Errorf("create table %s at %s: %w", cfg.TableName, cfg.DynamoEndpoint, err)
		}
	} else {
		e, err := loadAWSEnv()
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		client = dynamodb.NewFromConfig(e.cfg, func(o *dynamodb.Options) { o.BaseEndpoint = e.endpoint(ctx, "DynamoDB") })
	}
	s, err := dynamo.New(client, cfg.TableName)
	if err != nil {
		return nil, fmt.Errorf("open DynamoDB store: %w", err)
	}
	return s, nil
}

// newLambdaEnqueuer returns the Lambda runner: asynchronous Invokes of
// cfg.RunnerFunction. AWS_ENDPOINT_URL_LAMBDA points the client at a
// stand-in server or an emulator.
func newLambdaEnqueuer(ctx context.Context, cfg Config) (execution.Enqueuer, error) {
	e, err := loadAWSEnv()
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	client := lambda.NewFromConfig(e.cfg, func(o *lambda.Options) { o.BaseEndpoint = e.endpoint(ctx, "Lambda") })
	return dispatch.NewLambda(client, cfg.RunnerFunction), nil
}

// readAWSSecret reads the current SecretString of the Secrets Manager secret
// arn with the function role's credentials (the role needs
// secretsmanager:GetSecretValue on it). AWS_ENDPOINT_URL_SECRETS_MANAGER
// replaces the endpoint.
func readAWSSecret(ctx context.Context, arn string) (string, error) {
	e, err := loadAWSEnv()
	if err != nil {
		return "", fmt.Errorf("load AWS configuration: %w", err)
	}
	client := secretsmanager.NewFromConfig(e.cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = e.endpoint(ctx, "Secrets Manager") })
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("secrets manager GetSecretValue: %w", err)
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secrets manager GetSecretValue: the secret has no SecretString")
	}
	return *out.SecretString, nil
}
