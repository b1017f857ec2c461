package dynamo_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// Example creates a table on a local DynamoDB-compatible server (started by
// .ci/dynamo-servers) and uses the two conditional writes. It is compiled,
// not run, because it needs the server.
func Example() {
	ctx := context.Background()
	client := dynamo.NewLocalClient("http://127.0.0.1:8001")
	if err := dynamo.CreateTable(ctx, client, "cloudflow"); err != nil {
		fmt.Println("create table:", err)
		return
	}
	s, err := dynamo.New(client, "cloudflow")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = s.Close() }()

	it, err := s.PutIfAbsent(ctx, "exec/123/flow-1/run-1", []byte(`{"status":"Running"}`))
	if errors.Is(err, kv.ErrConditionFailed) {
		fmt.Printf("run-1 exists at version %d\n", it.Version)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.CompareAndSwap(ctx, it.Key, it.Version, []byte(`{"status":"Succeeded"}`))
	fmt.Println(err)
	// One Query: the prefix names the partition "exec/123/".
	items, err := s.List(ctx, "exec/123/flow-1/", "", 100)
	fmt.Println(len(items), err)
}
