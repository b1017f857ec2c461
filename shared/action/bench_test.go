package action

import (
	"context"
	"testing"
)

func BenchmarkMock_Invoke(b *testing.B) {
	m, err := ParseMock([]byte("States:\n  Charge: [{Error: FC.ResourceThrottled}, {Return: {Body: {receiptId: r-1, items: [1, 2, 3]}}}]\n"), nil)
	if err != nil {
		b.Fatal(err)
	}
	c := call("e", "Charge", "FC:InvokeFunction")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_, _ = m.Invoke(ctx, c)
	}
}
