package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// The secret stores are cloud services with no emulator here; these tests
// run the real clients (aws-sdk-go-v2 secretsmanager, darabonba-openapi)
// against stand-ins that check the requests the way the services document
// them and answer the documented shapes.

const (
	testAWSSecretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudflow-keys-AbCdEf"
	testKMSSecretARN = "acs:kms:cn-hangzhou:1234567890:secret/cloudflow-keys"
	secretKeys       = "AKSECRET:t0p-s3cret-value@4321"
)

// awsSecretsStandIn answers GetSecretValue (JSON 1.1 protocol) for
// testAWSSecretARN with value, checking the target header and the SigV4
// signature's key id.
func awsSecretsStandIn(t *testing.T, value string, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		switch {
		case r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue":
			t.Errorf("request %s target %q, want POST secretsmanager.GetSecretValue", r.Method, r.Header.Get("X-Amz-Target"))
		case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/"):
			t.Errorf("Authorization = %q, want SigV4 with the role's key AKIDTEST", r.Header.Get("Authorization"))
		case !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/secretsmanager/aws4_request"):
			t.Errorf("Authorization = %q, want the eu-west-1 secretsmanager scope", r.Header.Get("Authorization"))
		case in.SecretId != testAWSSecretARN:
			t.Errorf("SecretId = %q, want %q", in.SecretId, testAWSSecretARN)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": testAWSSecretARN, "Name": "cloudflow-keys", "SecretString": value, "VersionId": "v1"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// kmsStandIn answers KMS GetSecretValue (RPC, ACS3 signature) for
// testKMSSecretARN with value.
func kmsStandIn(t *testing.T, value string, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch {
		case r.Header.Get("x-acs-action") != "GetSecretValue" || r.Header.Get("x-acs-version") != "2016-01-20":
			t.Errorf("action %q version %q, want GetSecretValue 2016-01-20", r.Header.Get("x-acs-action"), r.Header.Get("x-acs-version"))
		case !strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-HMAC-SHA256 Credential=STS.role-id,"):
			t.Errorf("Authorization = %q, want ACS3 with the role's key", r.Header.Get("Authorization"))
		case r.Header.Get("x-acs-security-token") != "role-token":
			t.Errorf("x-acs-security-token = %q, want the role's token", r.Header.Get("x-acs-security-token"))
		case r.URL.Query().Get("SecretName") != testKMSSecretARN:
			t.Errorf("SecretName = %q, want %q", r.URL.Query().Get("SecretName"), testKMSSecretARN)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"RequestId": "r1", "SecretName": "cloudflow-keys", "SecretData": value, "SecretDataType": "text", "VersionId": "v1"})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// setAWSEnv gives the process the environment Lambda gives a function.
func setAWSEnv(t *testing.T, secretsURL string) {
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secretsURL)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
}

func TestNew_AccessKeysSecret(t *testing.T) {
	var awsCalls, kmsCalls atomic.Int32
	setAWSEnv(t, awsSecretsStandIn(t, secretKeys, &awsCalls).URL)
	kms := kmsStandIn(t, secretKeys, &kmsCalls)
	role := AlibabaCredentials{AccessKeyID: "STS.role-id", AccessKeySecret: "role-secret", SecurityToken: "role-token"}
	tests := []struct {
		name  string
		cfg   Config
		calls *atomic.Int32
	}{
		{"AWS Secrets Manager", Config{AccessKeysSecret: testAWSSecretARN}, &awsCalls},
		{"Alibaba Cloud KMS", Config{AccessKeysSecret: testKMSSecretARN, KMSEndpoint: kms.URL, Alibaba: role}, &kmsCalls},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			tc.cfg.Store = StoreMemory
			tc.cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			before := tc.calls.Load()
			a, err := New(tc.cfg)
			if err != nil {
				t.Fatalf("New() = %v", err)
			}
			defer a.Close()
			if n := tc.calls.Load() - before; n != 1 {
				t.Errorf("secret read %d times at start-up, want once", n)
			}
			// The keys are on: an unsigned request is refused.
			if code, body := call(t, a.Handler, "ListFlows", nil); code == http.StatusOK {
				t.Errorf("unsigned ListFlows = %d %v, want a refusal (keys from the secret)", code, body)
			}
			if !strings.Contains(logs.String(), "AKSECRET@4321") {
				t.Errorf("start-up log %q does not name the key from the secret", logs.String())
			}
			if strings.Contains(logs.String(), "t0p-s3cret-value") {
				t.Errorf("start-up log contains the secret: %s", logs.String())
			}
		})
	}
}

func TestNew_AccessKeysSecret_Errors(t *testing.T) {
	var calls atomic.Int32
	setAWSEnv(t, awsSecretsStandIn(t, "no-colon-t0p-s3cret", &calls).URL)
	t.Run("malformed value is not echoed", func(t *testing.T) {
		_, err := New(Config{Store: StoreMemory, AccessKeysSecret: testAWSSecretARN})
		if err == nil || !strings.Contains(err.Error(), EnvAccessKeysSecret) || strings.Contains(err.Error(), "t0p-s3cret") {
			t.Errorf("New() = %v, want an error naming %s without the value", err, EnvAccessKeysSecret)
		}
	})
	t.Run("empty value", func(t *testing.T) {
		setAWSEnv(t, awsSecretsStandIn(t, "  ", &calls).URL)
		_, err := New(Config{Store: StoreMemory, AccessKeysSecret: testAWSSecretARN})
		if !errors.Is(err, ErrEmptySecret) {
			t.Errorf("New() = %v, want ErrEmptySecret", err)
		}
	})
	for _, tc := range []struct{ name, keys, secret string }{
		{"both keys and secret", "ak:sk", testAWSSecretARN},
		{"not an ARN", "", "cloudflow-keys"},
		{"KMS ARN without secret/", "", "acs:kms:cn-hangzhou:1:key/abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{EnvAccessKeys: tc.keys, EnvAccessKeysSecret: tc.secret}
			_, err := ConfigFromEnv(func(k string) string { return env[k] })
			if err == nil || !strings.Contains(err.Error(), EnvAccessKeysSecret) {
				t.Errorf("ConfigFromEnv() = %v, want an error naming %s", err, EnvAccessKeysSecret)
			}
		})
	}
}
