//go:build !noalibaba

package app

import (
	"fmt"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ots "github.com/aliyun/aliyun-tablestore-go-sdk/tablestore"

	"github.com/cloudflow-oss/cloudflow/shared/action"
	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv/tablestore"
)

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

// newFCEnqueuer returns the Function Compute runner: asynchronous
// InvokeFunction calls of cfg.RunnerFunction.
func newFCEnqueuer(cfg Config) (execution.Enqueuer, error) {
	client, err := newFCClient(cfg, cfg.FCRegion, cfg.FCAccountID)
	if err != nil {
		return nil, err
	}
	return dispatch.NewFC(client, cfg.RunnerFunction, dispatch.FCOptions{}), nil
}

// newFCClient returns a Function Compute API client for region and account
// with cfg's credentials; cfg.FCEndpoint (host[:port], or a URL with
// http:// or https://) replaces <account>.<region>.fc.aliyuncs.com.
func newFCClient(cfg Config, region, account string) (*openapi.Client, error) {
	endpoint, protocol := cfg.FCEndpoint, ""
	if rest, ok := strings.CutPrefix(endpoint, "http://"); ok {
		endpoint, protocol = rest, "http"
	} else if rest, ok := strings.CutPrefix(endpoint, "https://"); ok {
		endpoint = rest
	}
	return dispatch.NewFCClient(dispatch.FCClientConfig{
		AccountID: account, Region: region,
		Endpoint: strings.TrimSuffix(endpoint, "/"), Protocol: protocol,
		AccessKeyID: cfg.Alibaba.AccessKeyID, AccessKeySecret: cfg.Alibaba.AccessKeySecret,
		SecurityToken: cfg.Alibaba.SecurityToken,
	})
}

// addFCIntegration registers the FC:InvokeFunction integration (reference
// 7.3), whose calls are signed with cfg's Alibaba credentials.
func addFCIntegration(cfg Config, runners map[string]interp.TaskRunner) {
	runners[action.ActionFCInvokeFunction] = action.NewFC(action.FCOptions{
		Client: func(region, account string) (action.FCCaller, error) {
			c, err := newFCClient(cfg, region, account)
			if err != nil {
				return nil, err
			}
			return c, nil
		},
	})
}
