package execution_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo/dynamotest"
)

// TestDynamoDB_SweepAndSchedulerReads counts the requests the periodic
// work of every instance sends to a shared DynamoDB table (DynamoDB Local
// through a counting proxy): FireSchedules, which each instance runs every
// second, reads the schedules with a Query and no Scan (a Scan reads the
// whole table, executions included); Recover, the sweep, reads the
// executions with one Scan pass however many pages of them there are
// (501 here, more than one List page).
func TestDynamoDB_SweepAndSchedulerReads(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_LOCAL_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_LOCAL_ENDPOINT is not set: no DynamoDB Local (start one with `.ci/dynamo-servers start`)")
	}
	proxy := dynamotest.NewProxy(t, endpoint)
	client := dynamo.NewLocalClient(proxy.URL)
	table := fmt.Sprintf("sweepcost-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	store, err := dynamo.New(client, table)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: t0}
	svc, _, ctx := scheduled(t, store, clock)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("* * * * * *")}); err != nil {
		t.Fatal(err)
	}
	const started = 501
	for i := range started {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: fmt.Sprintf("x%d", i), Input: "{}"}); err != nil {
			t.Fatal(err)
		}
	}

	scans, queries := proxy.Calls("Scan"), proxy.Calls("Query")
	if n, err := svc.FireSchedules(ctx, t0, t0.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("FireSchedules = %d, %v; want the one tick", n, err)
	}
	if s, q := proxy.Calls("Scan")-scans, proxy.Calls("Query")-queries; s != 0 || q == 0 {
		t.Errorf("FireSchedules sent %d Scan and %d Query requests, want Queries only", s, q)
	}

	if _, err := svc.Recover(ctx); err != nil { // the first one also checks the flows' listing index
		t.Fatal(err)
	}
	scans = proxy.Calls("Scan")
	n, err := svc.Recover(ctx)
	if err != nil || n != started+1 {
		t.Fatalf("Recover = %d, %v; want the %d Starting executions (and the tick's) enqueued", n, err, started+1)
	}
	if s := proxy.Calls("Scan") - scans; s != 1 {
		t.Errorf("Recover sent %d Scan requests, want 1 (one pass over a table this small)", s)
	}
}
