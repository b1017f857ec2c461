//go:build !noalibaba

package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
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

// kmsVersion is the KMS API version of GetSecretValue.
const kmsVersion = "2016-01-20"

// readKMSSecret reads the current value of the KMS Secrets Manager secret
// arn (acs:kms:region:account:secret/name) with GetSecretValue (RPC style,
// signed with the function role's credentials, cfg.Alibaba), from
// kms.<region>.aliyuncs.com or cfg.KMSEndpoint. The role needs
// kms:GetSecretValue on the secret (and kms:Decrypt for a secret encrypted
// with a customer key).
func readKMSSecret(ctx context.Context, cfg Config, arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 5) // acs, kms, region, account, secret/name
	if len(parts) != 5 || parts[2] == "" {
		return "", fmt.Errorf("want acs:kms:region:account:secret/name")
	}
	region := parts[2]
	if cfg.Alibaba.AccessKeyID == "" || cfg.Alibaba.AccessKeySecret == "" {
		return "", fmt.Errorf("need %s and %s (the function role's credentials)", EnvAccessKeyID, EnvAccessKeySecret)
	}
	endpoint, protocol := cfg.KMSEndpoint, "https"
	if rest, ok := strings.CutPrefix(endpoint, "http://"); ok {
		endpoint, protocol = rest, "http"
	} else if rest, ok := strings.CutPrefix(endpoint, "https://"); ok {
		endpoint = rest
	}
	if endpoint == "" {
		endpoint = "kms." + region + ".aliyuncs.com"
	}
	oc := &openapi.Config{
		AccessKeyId:     dara.String(cfg.Alibaba.AccessKeyID),
		AccessKeySecret: dara.String(cfg.Alibaba.AccessKeySecret),
		Endpoint:        dara.String(strings.TrimSuffix(endpoint, "/")),
		Protocol:        dara.String(protocol),
		RegionId:        dara.String(region),
		ConnectTimeout:  dara.Int(5_000),
		ReadTimeout:     dara.Int(10_000),
	}
	if cfg.Alibaba.SecurityToken != "" {
		oc.SecurityToken = dara.String(cfg.Alibaba.SecurityToken)
	}
	client, err := openapi.NewClient(oc)
	if err != nil {
		return "", fmt.Errorf("kms client: %w", err)
	}
	res, err := client.CallApiWithCtx(ctx, &openapi.Params{
		Action: dara.String("GetSecretValue"), Version: dara.String(kmsVersion),
		Protocol: dara.String("HTTPS"), Pathname: dara.String("/"), Method: dara.String("POST"),
		AuthType: dara.String("AK"), Style: dara.String("RPC"),
		ReqBodyType: dara.String("formData"), BodyType: dara.String("json"),
	}, &openapi.OpenApiRequest{Query: map[string]*string{"SecretName": dara.String(arn)}}, &dara.RuntimeOptions{})
	if err != nil {
		return "", fmt.Errorf("kms GetSecretValue: %w", err)
	}
	body, _ := res["body"].(map[string]any)
	data, ok := body["SecretData"].(string)
	if !ok {
		return "", fmt.Errorf("kms GetSecretValue: the answer has no SecretData")
	}
	return data, nil
}
