package tablestore

import (
	"errors"
	"fmt"

	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"
)

// CreateTable creates table with the store's layout unless it exists: one
// String primary-key column pk, one version per cell, no table-wide TTL
// (TimeToAlive -1) and no reserved throughput. Tablestore serves a new table
// only after a short delay (about a second), so callers that write
// immediately should retry OTSTableNotReady, which the SDK already does. It
// returns a Tablestore error.
func CreateTable(client *ots.TableStoreClient, table string) error {
	_, err := client.DescribeTable(&ots.DescribeTableRequest{TableName: table})
	switch {
	case err == nil:
		return nil
	case !isCode(err, codeObjectNotExist):
		return fmt.Errorf("tablestore: describe table %q: %w", table, err)
	}
	meta := &ots.TableMeta{TableName: table}
	meta.AddPrimaryKeyColumn(ColumnKey, ots.PrimaryKeyType_STRING)
	_, err = client.CreateTable(&ots.CreateTableRequest{
		TableMeta:          meta,
		TableOption:        ots.NewTableOption(-1, 1),
		ReservedThroughput: &ots.ReservedThroughput{},
	})
	var oe *ots.OtsError
	if err != nil && !(errors.As(err, &oe) && oe.Code == "OTSObjectAlreadyExist") {
		return fmt.Errorf("tablestore: create table %q: %w", table, err)
	}
	return nil
}
