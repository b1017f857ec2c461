package dispatch_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// seen is one request a stand-in API received.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// standIn is an httptest server answering every request with status and
// body, recording what it received.
type standIn struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newStandIn(t *testing.T, status int, header map[string]string, body string) *standIn {
	t.Helper()
	s := &standIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(b)})
		s.mu.Unlock()
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *standIn) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func lambdaClient(url string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint:     aws.String(url),
		RetryMaxAttempts: 1,
	})
}

var ref = execution.Ref{Account: "123456789", FlowID: "0f1e2d3c-aaaa-4bbb-8ccc-123456789abc", Name: "order-42"}

const wantPayload = `{"op":"run","account":"123456789","flowId":"0f1e2d3c-aaaa-4bbb-8ccc-123456789abc","name":"order-42"}`

func TestLambda_Enqueue_Accepted(t *testing.T) {
	srv := newStandIn(t, http.StatusAccepted, nil, "")
	l := dispatch.NewLambda(lambdaClient(srv.URL), "stack-start-execution")
	if err := l.Enqueue(context.Background(), ref); err != nil {
		t.Fatalf("Enqueue() = %v, want nil on 202", err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("stand-in got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/2015-03-31/functions/stack-start-execution/invocations" {
		t.Errorf("request = %s %s, want POST /2015-03-31/functions/stack-start-execution/invocations", r.method, r.path)
	}
	if got := r.header.Get("X-Amz-Invocation-Type"); got != "Event" {
		t.Errorf("X-Amz-Invocation-Type = %q, want Event", got)
	}
	if got := r.header.Get("Authorization"); !strings.HasPrefix(got, "AWS4-HMAC-SHA256 Credential=AKIDTEST/") || !strings.Contains(got, "/eu-west-1/lambda/aws4_request") {
		t.Errorf("Authorization = %q, want a SigV4 signature for lambda in eu-west-1", got)
	}
	if r.body != wantPayload {
		t.Errorf("payload = %s, want %s", r.body, wantPayload)
	}
}

func TestLambda_Enqueue_Rejected(t *testing.T) {
	t.Run("unexpected 200", func(t *testing.T) {
		srv := newStandIn(t, http.StatusOK, nil, "null")
		err := dispatch.NewLambda(lambdaClient(srv.URL), "runner").Enqueue(context.Background(), ref)
		var se *dispatch.StatusError
		if !errors.As(err, &se) || se.Status != 200 || se.Function != "runner" || !errors.Is(err, dispatch.ErrNotAccepted) {
			t.Fatalf("Enqueue() = %v, want StatusError{runner, 200}", err)
		}
	})
	t.Run("function not found", func(t *testing.T) {
		srv := newStandIn(t, http.StatusNotFound,
			map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"},
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:eu-west-1:1:function:runner"}`)
		err := dispatch.NewLambda(lambdaClient(srv.URL), "runner").Enqueue(context.Background(), ref)
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "invoke runner") {
			t.Fatalf("Enqueue() = %v, want a ResourceNotFoundException naming runner", err)
		}
	})
}
