package dispatch_test

import (
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
)

// BenchmarkDecode_Run measures decoding one run event, the first thing a
// runner invocation does.
func BenchmarkDecode_Run(b *testing.B) {
	raw := dispatch.RunEvent(ref)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dispatch.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunEvent measures encoding one run event per enqueue.
func BenchmarkRunEvent(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(dispatch.RunEvent(ref)) == 0 {
			b.Fatal("empty event")
		}
	}
}
