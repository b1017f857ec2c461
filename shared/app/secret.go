package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// ErrEmptySecret is returned by New when the access-keys secret holds no
// keys.
var ErrEmptySecret = errors.New("the secret holds no access keys")

// Secret stores CLOUDFLOW_ACCESS_KEYS_SECRET may name, told apart by the
// ARN's prefix.
const (
	awsSecretPrefix = "arn:"     // arn:aws:secretsmanager:region:account:secret:name-suffix
	kmsSecretPrefix = "acs:kms:" // acs:kms:region:account:secret/name
)

// checkSecretARN reports whether arn names a secret store New can read.
func checkSecretARN(arn string) error {
	switch {
	case arn == "":
		return nil
	case strings.HasPrefix(arn, awsSecretPrefix) && strings.Contains(arn, ":secretsmanager:"):
		return nil
	case strings.HasPrefix(arn, kmsSecretPrefix) && strings.Contains(arn, ":secret/"):
		return nil
	default:
		return fmt.Errorf("%s=%q: want an AWS Secrets Manager ARN (arn:aws:secretsmanager:…) or an Alibaba Cloud KMS secret ARN (acs:kms:region:account:secret/name)",
			EnvAccessKeysSecret, arn)
	}
}

// loadAccessKeys returns cfg with AccessKeys read from the secret
// cfg.AccessKeysSecret names (unchanged when it names none). The secret's
// value is the CLOUDFLOW_ACCESS_KEYS syntax; neither it nor any part of it
// appears in an error.
func loadAccessKeys(ctx context.Context, cfg Config) (Config, error) {
	arn := cfg.AccessKeysSecret
	if arn == "" {
		return cfg, nil
	}
	var spec string
	var err error
	if strings.HasPrefix(arn, kmsSecretPrefix) {
		spec, err = readKMSSecret(ctx, cfg, arn)
	} else {
		spec, err = readAWSSecret(ctx, arn)
	}
	if err != nil {
		return cfg, fmt.Errorf("read %s %s: %w", EnvAccessKeysSecret, arn, err)
	}
	keys, err := auth.ParseKeys(spec)
	if err != nil {
		return cfg, fmt.Errorf("%s %s: %w", EnvAccessKeysSecret, arn, err)
	}
	if keys.Len() == 0 {
		return cfg, fmt.Errorf("%s %s: %w", EnvAccessKeysSecret, arn, ErrEmptySecret)
	}
	cfg.AccessKeys = keys
	return cfg, nil
}
