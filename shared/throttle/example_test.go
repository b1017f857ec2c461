package throttle_test

import (
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

func ExampleLimiter_Allow() {
	limits, err := throttle.ParseLimits("CreateFlow=2/1", throttle.DefaultLimits())
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := throttle.New(limits, func() time.Time { return now }, throttle.Options{})
	for range 3 {
		fmt.Println(l.Allow("1234567890", "CreateFlow"))
	}
	now = now.Add(time.Second) // one token back
	fmt.Println(l.Allow("1234567890", "CreateFlow"))
	// Output:
	// true
	// true
	// false
	// true
}
