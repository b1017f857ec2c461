package platform

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Host
	}{
		{name: "empty", env: nil, want: Local},
		{name: "lambda", env: map[string]string{"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}, want: Lambda},
		{name: "fc function name", env: map[string]string{"FC_FUNCTION_NAME": "cloudflow-start-execution"}, want: FC},
		{name: "fc port only", env: map[string]string{"FC_CUSTOM_LISTEN_PORT": "9000"}, want: FC},
		{name: "lambda wins over fc", env: map[string]string{"AWS_LAMBDA_RUNTIME_API": "x", "FC_FUNCTION_NAME": "y"}, want: Lambda},
		{name: "AWS_EXECUTION_ENV alone is not lambda", env: map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_go1.x"}, want: Local},
		{name: "FC_RUNTIME_API alone is not the custom runtime", env: map[string]string{"FC_RUNTIME_API": "x"}, want: Local},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Errorf("Detect(%v) = %q, want %q", tc.env, got, tc.want)
			}
		})
	}
}
