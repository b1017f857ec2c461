package token_test

import (
	"bytes"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/token"
)

func ExampleDecode() {
	tok, _ := token.New(bytes.NewReader(make([]byte, token.NonceSize)), "1234567890", "flow-id", "order-42", 8)
	s, _ := tok.Encode()
	got, err := token.Decode(s)
	fmt.Println(got.Account, got.Execution, got.EventID, err)
	// Output: 1234567890 order-42 8 <nil>
}
