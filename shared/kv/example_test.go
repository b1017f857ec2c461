package kv_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// PutIfAbsent makes creation idempotent: the loser gets the existing record
// back and decides what it means.
func ExampleMemStore_PutIfAbsent() {
	ctx := context.Background()
	s := kv.NewMemStore()
	defer func() { _ = s.Close() }()

	it, err := s.PutIfAbsent(ctx, "exec/flow-1/run-1", []byte(`{"Status":"Starting"}`))
	fmt.Println(string(it.Value), it.Version, err)

	it, err = s.PutIfAbsent(ctx, "exec/flow-1/run-1", []byte(`{"Status":"Starting","Input":"other"}`))
	if errors.Is(err, kv.ErrConditionFailed) {
		fmt.Println("exists:", string(it.Value), it.Version)
	}
	// Output:
	// {"Status":"Starting"} 1 <nil>
	// exists: {"Status":"Starting"} 1
}

func ExampleBoltStore_PutIfAbsent() {
	dir, err := os.MkdirTemp("", "kv-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	s, err := kv.OpenBolt(dir, kv.BoltOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = s.Close() }()

	ctx := context.Background()
	for _, status := range []string{"Starting", "Running"} {
		it, err := s.PutIfAbsent(ctx, "exec/flow-1/run-1", []byte(status))
		fmt.Printf("%s v%d err=%v\n", it.Value, it.Version, err)
	}
	// Output:
	// Starting v1 err=<nil>
	// Starting v1 err=kv: condition failed
}

// CompareAndSwap moves a record from one version to the next; a writer
// holding an old version loses.
func ExampleMemStore_CompareAndSwap() {
	ctx := context.Background()
	s := kv.NewMemStore()
	defer func() { _ = s.Close() }()

	created, _ := s.PutIfAbsent(ctx, "exec/1", []byte("Starting"))
	running, err := s.CompareAndSwap(ctx, "exec/1", created.Version, []byte("Running"))
	fmt.Println(string(running.Value), running.Version, err)

	cur, err := s.CompareAndSwap(ctx, "exec/1", created.Version, []byte("Stopped"))
	fmt.Println(string(cur.Value), cur.Version, err)
	// Output:
	// Running 2 <nil>
	// Running 2 kv: condition failed
}

func ExampleMemStore_Update() {
	ctx := context.Background()
	s := kv.NewMemStore()
	defer func() { _ = s.Close() }()

	bump := func(cur kv.Item, exists bool) ([]byte, error) {
		if !exists {
			return []byte("1"), nil
		}
		return append(cur.Value, '+'), nil
	}
	for range 3 {
		it, err := s.Update(ctx, "counter", bump)
		fmt.Println(string(it.Value), it.Version, err)
	}
	// Output:
	// 1 1 <nil>
	// 1+ 2 <nil>
	// 1++ 3 <nil>
}
