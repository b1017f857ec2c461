package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// Scale-out settings: instances on one table, executions spread over them,
// and the lease the instances run with (short, so a dead instance's
// executions are taken over within seconds; the sweep follows it).
const (
	scaleInstances  = 3
	scaleExecutions = 300
	scaleLease      = 3 * time.Second
	// scaleMargin is how much longer than lease expiry, a sweep and the
	// rest of the Wait the executions may take after the kill. It is a
	// liveness bound, not a speed target: on a loaded 2-core CI machine,
	// with DynamoDB Local serving the -race runs of other packages too,
	// 300 executions took over 19 s once (4–6 s on a quiet one; the test
	// logs the figure). Executions nobody takes over never finish.
	scaleMargin = 40 * time.Second
)

// sharedTable returns the DynamoDB Local endpoint and a fresh table name,
// deleted when the test ends; it skips the test without DynamoDB Local.
func sharedTable(t *testing.T, name string) (endpoint, table string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs functions/local; skipped with -short")
	}
	endpoint = os.Getenv("DYNAMODB_LOCAL_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_LOCAL_ENDPOINT is not set: no DynamoDB Local for the instances to share (.ci/dynamo-servers start prints it; .ci/run sets it)")
	}
	table = fmt.Sprintf("cloudflow_%s_%d", name, time.Now().UnixNano())
	t.Cleanup(func() {
		// The first instance created the table (functions/local creates a
		// missing one on a local endpoint).
		client := dynamo.NewLocalClient(endpoint)
		if _, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Logf("DeleteTable(%s) = %v", table, err)
		}
	})
	return endpoint, table
}

// startShared starts a functions/local process on the shared table.
func startShared(t *testing.T, bin, endpoint, table string, lease time.Duration) *server {
	t.Helper()
	return startProcess(t, bin, []string{
		"STORE=dynamodb", "TABLE_NAME=" + table, "DYNAMODB_ENDPOINT=" + endpoint,
		"CLOUDFLOW_LEASE_DURATION=" + lease.String(),
	})
}

// TestLocal_ScaleOut_DynamoDB runs three functions/local processes on one
// DynamoDB Local table with a 3 s lease, starts 300 executions of the
// crash flow (Pass, a 3 s Wait, two Pass states) spread over them, and
// kills one with SIGKILL while its executions wait. Each instance runs the
// executions started through it (its log's "execution ended" lines show
// the work shared); the survivors take the dead one's executions over once
// their leases expire. Every execution must succeed, within two lease
// durations, the Wait and a margin after the kill, with exactly the
// output its input determines, end once across all logs, list once, and
// have a gapless history entering each state once.
func TestLocal_ScaleOut_DynamoDB(t *testing.T) {
	endpoint, table := sharedTable(t, "scaleout")
	bin := buildLocal(t)
	servers := make([]*server, scaleInstances)
	for i := range servers {
		servers[i] = startShared(t, bin, endpoint, table, scaleLease)
	}
	createCrashFlow(t, servers[0])

	names := crashNames(scaleExecutions)
	share := make([][]string, scaleInstances)
	for i, name := range names {
		share[i%scaleInstances] = append(share[i%scaleInstances], name)
	}
	var acked sync.Map
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			startAll(s, share[i], &acked, 0, nil)
		}()
	}
	wg.Wait()
	if got := count(&acked); got != scaleExecutions {
		t.Fatalf("%d of %d starts acknowledged", got, scaleExecutions)
	}

	// Kill one instance during the Waits (the executions started last are
	// about 2.5 s from their end).
	time.Sleep(500 * time.Millisecond)
	victim := servers[1]
	victim.kill()
	killed := time.Now()
	victimEnded := victim.logs.executions("execution ended")
	t.Logf("killed instance 1 of %d with %d of its %d executions ended", scaleInstances, len(victimEnded), len(share[1]))

	// The lease expires, a sweep (every lease duration) finds it, and the
	// rest of the Wait runs: all within that plus a margin for the load.
	ctx, cancel := context.WithTimeout(context.Background(), 2*scaleLease+3*time.Second+scaleMargin)
	defer cancel()
	outputs, stopped := waitOutputs(ctx, t, servers[0], "crash", names)
	t.Logf("all %d executions finished %.1fs after the kill (lease %s)", len(names), time.Since(killed).Seconds(), scaleLease)
	checkOutputs(t, names, outputs)
	checkListedOnce(t, servers[0], names)
	checkHistories(t, servers[0], "crash", names, crashStates)

	// Who ran what, from the lifecycle log lines. "execution ended" is
	// written after the final write, so the killed instance may have ended
	// an execution (any: a parked execution is resumed by whichever
	// instance comes first) without logging it, if it stopped before the
	// kill; any other end is logged once.
	ended := map[string]int{}
	bySurvivors := map[string]int{}
	for i, s := range servers {
		byInstance := s.logs.executions("execution ended")
		t.Logf("instance %d ended %d executions", i, len(byInstance))
		if s != victim && len(byInstance) == 0 {
			t.Errorf("instance %d ended no execution: the work is not shared", i)
		}
		for name, n := range byInstance {
			ended[name] += n
			if s != victim {
				bySurvivors[name] += n
			}
		}
	}
	unlogged, takenOver := 0, 0
	for _, name := range names {
		switch n := ended[name]; {
		case n > 1:
			t.Errorf("%s ended %d times across the instances' logs, want once", name, n)
		case n == 0 && !stopped[name].After(killed):
			unlogged++
		case n == 0:
			t.Errorf("%s stopped at %s, after the kill at %s, and no instance logged its end", name, stopped[name].Format(time.StampMilli), killed.Format(time.StampMilli))
		}
	}
	for _, name := range share[1] {
		if bySurvivors[name] > 0 {
			takenOver++
		}
	}
	if takenOver == 0 {
		t.Errorf("no execution of the killed instance was ended by the others (%d of its %d had ended before the kill)", len(victimEnded), len(share[1]))
	}
	t.Logf("the survivors ended %d of the killed instance's %d executions; %d ended unlogged just before the kill", takenOver, len(share[1]), unlogged)
}
