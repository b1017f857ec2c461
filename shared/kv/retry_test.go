package kv_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestRetry(t *testing.T) {
	other := errors.New("other")
	tests := []struct {
		name      string
		losses    int   // rounds that lose before the last result
		last      error // result of the first round that does not lose
		want      error
		wantCalls int
	}{
		{"first round wins", 0, nil, nil, 1},
		{"wins after losses", 5, nil, nil, 6},
		{"other error ends at once", 2, other, other, 3},
		{"gives up", kv.MaxAttempts + 10, nil, kv.ErrConditionFailed, kv.MaxAttempts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := kv.Retry(context.Background(), func() (bool, error) {
				calls++
				if calls <= tc.losses {
					return true, nil
				}
				return false, tc.last
			})
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("Retry = %v, want %v", err, tc.want)
			}
			if calls != tc.wantCalls {
				t.Errorf("Retry ran %d rounds, want %d", calls, tc.wantCalls)
			}
		})
	}
}

func TestRetry_ContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := kv.Retry(ctx, func() (bool, error) {
		calls++
		cancel()
		return true, nil
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("Retry = %v after %d rounds, want context.Canceled after 1", err, calls)
	}
}
