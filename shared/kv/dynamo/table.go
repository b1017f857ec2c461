package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTableTimeout bounds how long CreateTable waits for a new table to
// become ACTIVE.
const CreateTableTimeout = 2 * time.Minute

// NewLocalClient returns a client for a DynamoDB-compatible server at
// endpoint (such as "http://127.0.0.1:8001" for dynalite or DynamoDB Local),
// with static dummy credentials and region us-east-1. Response checksum
// validation is off because DynamoDB Local's error responses do not match
// their checksums.
func NewLocalClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:                          "us-east-1",
		Credentials:                     credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint:                    aws.String(endpoint),
		DisableValidateResponseChecksum: true,
	})
}

// CreateTable creates table with the store's layout unless it exists:
// on-demand billing, String keys pk (HASH) and sk (RANGE). It waits until the
// table is ACTIVE, then enables TTL on expiresAt, best effort (dynalite has
// no TTL API; production tables get TTL from the template). It is meant for
// local use and tests; deployed tables come from template.yaml. It returns
// a DynamoDB error, or the context's error.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	var missing *types.ResourceNotFoundException
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &missing):
		return fmt.Errorf("dynamo: describe table %q: %w", table, err)
	}
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSortKey), KeyType: types.KeyTypeRange},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) { // in use: created concurrently
		return fmt.Errorf("dynamo: create table %q: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, CreateTableTimeout); err != nil {
		return fmt.Errorf("dynamo: wait for table %q: %w", table, err)
	}
	// Best effort: dynalite answers UnknownOperationException.
	_, _ = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrExpiresAt),
			Enabled:       aws.Bool(true),
		},
	})
	return nil
}
