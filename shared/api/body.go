package api

import (
	"bytes"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// MaxJSONDepth is how deeply a JSON request body or a JSON parameter (Input,
// Environment) may nest arrays and objects: the engine's JSON decoder limit.
const MaxJSONDepth = value.MaxDepth

// jsonDepth returns how deeply the arrays and objects of the JSON text b
// nest, counting brackets outside strings; it stops counting once the depth
// passes MaxJSONDepth. Malformed text gets a depth too (of what it opened).
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > deepest {
				if deepest = depth; deepest > MaxJSONDepth {
					return deepest
				}
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// jsonProblem explains why the JSON text b, which should be one JSON object,
// is not: it nests deeper than MaxJSONDepth (a limit, said as such), it is
// malformed (naming the byte offset: "<what> must be a JSON object. It is
// not valid JSON: <why> at byte N."), or it is another kind of value ("<what> must be a JSON
// object.", with ", not an array" and so on when sayKind). what names the
// text ("The request body", "Input"). It returns nil when b is a JSON object.
func jsonProblem(what string, b []byte, sayKind bool) *Error {
	if jsonDepth(b) > MaxJSONDepth {
		return InvalidArgument(fmt.Sprintf("%s nests JSON arrays and objects deeper than the limit of %d levels.", what, MaxJSONDepth))
	}
	v, err := value.Decode(b)
	if err != nil {
		return InvalidArgument(fmt.Sprintf("%s must be a JSON object. It is not valid JSON: %v.", what, err))
	}
	if _, ok := v.(map[string]any); !ok {
		if sayKind {
			return InvalidArgument(what + " must be a JSON object, not " + jsonKind(v) + ".")
		}
		return InvalidArgument(what + " must be a JSON object.")
	}
	return nil
}

// jsonKind names the kind of a decoded JSON value for a message.
func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	default:
		return "a number"
	}
}

// looksLikeJSON reports whether a body without a JSON media type is meant as
// JSON: its first non-space byte opens an object or an array.
func looksLikeJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
