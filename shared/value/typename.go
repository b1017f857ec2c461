package value

import "fmt"

// TypeName names the JSON type of v for messages: "null", "boolean",
// "number", "string", "array" or "object"; a Go value outside the model is
// named by its Go type.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64, float64, int, int8, int16, int32, uint, uint8, uint16, uint32, uint64, float32:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// Describe is TypeName with an article, to follow "got" or "is" in a
// message: "null", "a boolean", "a number", "a string", "an array",
// "an object".
func Describe(v any) string {
	switch n := TypeName(v); n {
	case "null":
		return n
	case "array", "object":
		return "an " + n
	default:
		return "a " + n
	}
}
