package tablestore_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/cloudflow-oss/cloudflow/shared/kv/kvtest"
	"github.com/cloudflow-oss/cloudflow/shared/kv/tablestore"
)

// cloudEnv are the variables the contract test needs; there is no
// Tablestore emulator, so it runs only against the real service.
var cloudEnv = []string{"OTS_ENDPOINT", "OTS_INSTANCE", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"}

// cloudClient returns a client from the environment, or skips t naming the
// missing variables.
func cloudClient(t *testing.T) *ots.TableStoreClient {
	t.Helper()
	var missing []string
	for _, name := range cloudEnv {
		if os.Getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Skipf("no Tablestore emulator exists and %s %s not set: the contract test runs only against the real service",
			strings.Join(missing, ", "), map[bool]string{true: "is", false: "are"}[len(missing) == 1])
	}
	cfg := ots.NewDefaultTableStoreConfig()
	cfg.HTTPTimeout.ConnectionTimeout = 5 * time.Second
	cfg.HTTPTimeout.RequestTimeout = 10 * time.Second
	return ots.NewClientWithConfig(os.Getenv("OTS_ENDPOINT"), os.Getenv("OTS_INSTANCE"),
		os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN"), cfg)
}

// TestStore_Contract runs kvtest against one fresh table (Tablestore table
// creation is slow and rate-limited, so subtests share it and each starts by
// clearing it).
func TestStore_Contract(t *testing.T) {
	client := cloudClient(t)
	table := fmt.Sprintf("kvtest_%d", time.Now().UnixNano())
	if err := tablestore.CreateTable(client, table); err != nil {
		t.Fatalf("CreateTable(%q): %v", table, err)
	}
	t.Cleanup(func() {
		if _, err := client.DeleteTable(&ots.DeleteTableRequest{TableName: table}); err != nil {
			t.Errorf("DeleteTable(%q): %v", table, err)
		}
	})
	time.Sleep(2 * time.Second) // a new table serves after a short delay
	kvtest.Run(t, func(t *testing.T) kvtest.Store {
		s, err := tablestore.New(client, table)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		clearTable(t, s)
		return s
	})
}

// clearTable deletes every item of s's table.
func clearTable(t *testing.T, s *tablestore.Store) {
	t.Helper()
	items, err := s.List(t.Context(), "", "", 0)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, it := range items {
		if err := s.Delete(t.Context(), it.Key, 0); err != nil {
			t.Fatalf("Delete(%q): %v", it.Key, err)
		}
	}
}
