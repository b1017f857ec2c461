package action

import (
	"strings"
	"testing"
)

// FuzzParseFunctionARN checks that any text either parses into a function
// with a region, an account and a name, or is refused with an error; never a
// panic.
func FuzzParseFunctionARN(f *testing.F) {
	for _, s := range []string{
		"acs:fc:cn-hangzhou:1234:functions/charge/LATEST",
		"acs:fc:cn-hangzhou:1234:services/svc.prod/functions/fn",
		"acs:fc:cn-hangzhou:1234:functions/f", "acs:fc:::", "acs:fc:r:a:services/./functions/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseFunctionARN(s)
		if err != nil {
			return
		}
		if a.Region == "" || a.Account == "" || a.Function == "" || strings.Contains(a.Function, "/") {
			t.Fatalf("ParseFunctionARN(%q) = %+v, want region, account and a function name without /", s, a)
		}
	})
}

// FuzzParseFlowARN checks that a parsed flow ARN always names a valid flow.
// The region may be empty: acs:fnf:::flow/x means "this service's region"
// (decision 62; public legacy flows write it so).
func FuzzParseFlowARN(f *testing.F) {
	for _, s := range []string{"acs:fnf:cn-hangzhou::flow/child", "acs:fnf:cn-hangzhou:1:flow/c", "acs:fnf:r::flow/", "acs:fnf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseFlowARN(s)
		if err != nil {
			return
		}
		if !namePattern.MatchString(a.Flow) || strings.Contains(a.Region, ":") {
			t.Fatalf("ParseFlowARN(%q) = %+v, want a valid flow name and a region without ':'", s, a)
		}
	})
}
