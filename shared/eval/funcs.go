package eval

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// builtin is one function of reference 5.2.
type builtin struct {
	name     string
	min, max int  // argument count; max < 0 means variadic
	pure     bool // same arguments, same result: folded when constant
	fn       func(c *callNode, env *Env, args []any) (any, error)
}

// builtins lists every function of the language; any other name is unknown.
var builtins = map[string]*builtin{}

func init() {
	for _, b := range []*builtin{
		{name: "format", min: 1, max: -1, pure: true, fn: fnFormat},
		{name: "length", min: 1, max: 1, pure: true, fn: fnLength},
		{name: "regexMatchString", min: 2, max: 2, pure: true, fn: fnRegexMatch},
		{name: "split", min: 2, max: 2, pure: true, fn: fnSplit},
		{name: "get", min: 2, max: 2, pure: true, fn: fnGet},
		{name: "intAdd", min: 2, max: 2, pure: true, fn: fnIntAdd},
		{name: "randomInt", min: 2, max: 2, fn: fnRandomInt},
		{name: "arrayContains", min: 2, max: 2, pure: true, fn: fnArrayContains},
		{name: "arrayUnique", min: 1, max: 1, pure: true, fn: fnArrayUnique},
		{name: "toArray", min: 0, max: -1, pure: true, fn: fnToArray},
		{name: "mapKeys", min: 1, max: 1, pure: true, fn: fnMapKeys},
		{name: "mapValues", min: 1, max: 1, pure: true, fn: fnMapValues},
		{name: "toBase64", min: 1, max: 1, pure: true, fn: fnToBase64},
		{name: "fromBase64", min: 1, max: 1, pure: true, fn: fnFromBase64},
		{name: "stringToJson", min: 1, max: 1, pure: true, fn: fnStringToJSON},
		{name: "fromJSON", min: 1, max: 1, pure: true, fn: fnStringToJSON},
		{name: "jsonToString", min: 1, max: 1, pure: true, fn: fnJSONToString},
		{name: "toJSON", min: 1, max: 1, pure: true, fn: fnJSONToString},
		{name: "jsonMerge", min: 2, max: 2, pure: true, fn: fnJSONMerge},
		{name: "hash", min: 2, max: 2, pure: true, fn: fnHash},
		{name: "uuid", min: 0, max: 0, fn: fnUUID},
	} {
		builtins[b.name] = b
	}
}

// callNode is a call of a built-in function.
type callNode struct {
	fn   *builtin
	args []node
	re   *regexp.Regexp // regexMatchString with a constant pattern
}

func (c *callNode) eval(env *Env) (any, error) {
	var buf [4]any
	args := buf[:0]
	if len(c.args) > len(buf) {
		args = make([]any, 0, len(c.args))
	}
	for _, a := range c.args {
		v, err := a.eval(env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	v, err := c.fn.fn(c, env, args)
	if err != nil {
		return nil, withPrefix(c.fn.name, err)
	}
	return v, nil
}

func (c *compiler) call(n ast.Node, name string, argNodes []ast.Node, depth, calls int) (node, *SyntaxError) {
	b, ok := builtins[name]
	if !ok {
		return nil, c.errorf(n, "unknown function %s%s", name, didYouMean(name, functionNames()))
	}
	if calls+1 > MaxCallDepth {
		return nil, c.errorf(n, "function calls nest deeper than %d levels", MaxCallDepth)
	}
	if len(argNodes) < b.min || (b.max >= 0 && len(argNodes) > b.max) {
		want := fmt.Sprint(b.min)
		switch {
		case b.max < 0:
			want = "at least " + want
		case b.max != b.min:
			want = fmt.Sprintf("%d to %d", b.min, b.max)
		}
		return nil, c.errorf(n, "function %s takes %s argument(s), got %d", name, want, len(argNodes))
	}
	cn := &callNode{fn: b, args: make([]node, len(argNodes))}
	constant := b.pure
	for i, a := range argNodes {
		x, err := c.compile(a, depth+1, calls+1)
		if err != nil {
			return nil, err
		}
		cn.args[i] = x
		_, isConst := x.(*constNode)
		constant = constant && isConst
	}
	if b.name == "regexMatchString" {
		if p, ok := cn.args[1].(*constNode); ok {
			if s, ok := p.v.(string); ok {
				re, err := regexp.Compile(s)
				if err != nil {
					return nil, c.errorf(argNodes[1], "bad regular expression: %v", err)
				}
				cn.re = re
			}
		}
	}
	if constant {
		// Fold; an argument error stays a run-time error as documented.
		if v, err := cn.eval(&Env{}); err == nil {
			_, isMap := v.(map[string]any)
			_, isArr := v.([]any)
			return &constNode{v: v, mutable: isMap || isArr}, nil
		}
	}
	return cn, nil
}

// Argument helpers. Their errors are prefixed with the function name.

func argString(args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", errorf("argument %d must be a string, got %s", i+1, value.TypeName(args[i]))
	}
	return s, nil
}

func argInt(args []any, i int) (int64, error) {
	switch t := args[i].(type) {
	case int64:
		return t, nil
	case float64:
		if t == math.Trunc(t) && t >= -(1<<63) && t < 1<<63 {
			return int64(t), nil
		}
		return 0, errorf("argument %d must be an integer, got %v", i+1, t)
	}
	return 0, errorf("argument %d must be an integer, got %s", i+1, value.TypeName(args[i]))
}

func argArray(args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, errorf("argument %d must be an array, got %s", i+1, value.TypeName(args[i]))
	}
	return a, nil
}

func argMap(args []any, i int) (map[string]any, error) {
	m, ok := args[i].(map[string]any)
	if !ok {
		return nil, errorf("argument %d must be an object, got %s", i+1, value.TypeName(args[i]))
	}
	return m, nil
}

// argPair reads arguments 0 and 1 with read.
func argPair[T any](args []any, read func([]any, int) (T, error)) (T, T, error) {
	a, err := read(args, 0)
	if err != nil {
		return a, a, err
	}
	b, err := read(args, 1)
	return a, b, err
}

func fnFormat(_ *callNode, _ *Env, args []any) (any, error) {
	tmpl, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	next := 1
	for {
		i := strings.Index(tmpl, "{}")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		tmpl = tmpl[i+2:]
		if next >= len(args) {
			return nil, errorf("the template has more {} than the %d argument(s) given", len(args)-1)
		}
		switch v := args[next].(type) {
		case string:
			b.WriteString(v)
		default:
			js, err := value.Encode(v)
			if err != nil {
				return nil, errorf("argument %d: %v", next+1, err)
			}
			b.Write(js)
		}
		next++
	}
	return b.String(), nil
}

func fnLength(_ *callNode, _ *Env, args []any) (any, error) {
	switch t := args[0].(type) {
	case string:
		return int64(utf8.RuneCountInString(t)), nil
	case []any:
		return int64(len(t)), nil
	case map[string]any:
		return int64(len(t)), nil
	}
	return nil, errorf("argument 1 must be an array, an object or a string, got %s", value.TypeName(args[0]))
}

func fnRegexMatch(c *callNode, _ *Env, args []any) (any, error) {
	in, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	re := c.re
	if re == nil {
		pat, err := argString(args, 1)
		if err != nil {
			return nil, err
		}
		if re, err = regexp.Compile(pat); err != nil {
			return nil, errorf("bad regular expression: %v", err)
		}
	}
	return re.MatchString(in), nil
}

func fnSplit(_ *callNode, _ *Env, args []any) (any, error) {
	in, sep, err := argPair(args, argString)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(in, sep)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnGet(_ *callNode, _ *Env, args []any) (any, error) {
	switch t := args[0].(type) {
	case []any:
		i, err := argInt(args, 1)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= int64(len(t)) {
			return nil, nil
		}
		return t[i], nil
	case map[string]any:
		k, err := argString(args, 1)
		if err != nil {
			return nil, err
		}
		return t[k], nil
	}
	return nil, errorf("argument 1 must be an array or an object, got %s", value.TypeName(args[0]))
}

func fnIntAdd(_ *callNode, _ *Env, args []any) (any, error) {
	a, b, err := argPair(args, argInt)
	if err != nil {
		return nil, err
	}
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return nil, errorf("integer overflow")
	}
	return s, nil
}

func fnRandomInt(_ *callNode, env *Env, args []any) (any, error) {
	lo, hi, err := argPair(args, argInt)
	if err != nil {
		return nil, err
	}
	if lo >= hi {
		return nil, errorf("min %d must be less than max %d", lo, hi)
	}
	if env.Runtime != nil && env.Runtime.RandInt != nil {
		return env.Runtime.RandInt(lo, hi), nil
	}
	return RandomInt(lo, hi), nil
}

func fnArrayContains(_ *callNode, _ *Env, args []any) (any, error) {
	a, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	for _, e := range a {
		if value.Equal(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// scalarKey returns a map key for scalars, so arrayUnique stays linear for
// them; numbers are keyed by value (1 and 1.0 are equal).
func scalarKey(v any) (any, bool) {
	switch t := v.(type) {
	case nil, bool, string:
		return v, true
	case int64:
		if f := float64(t); int64(f) == t {
			return f, true
		}
		return t, true
	case float64:
		return t, true
	}
	return nil, false
}

func fnArrayUnique(_ *callNode, _ *Env, args []any) (any, error) {
	a, err := argArray(args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(a))
	seen := make(map[any]struct{}, len(a))
	var composite []any
outer:
	for _, e := range a {
		if k, ok := scalarKey(e); ok {
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			out = append(out, e)
			continue
		}
		for _, c := range composite {
			if value.Equal(c, e) {
				continue outer
			}
		}
		composite = append(composite, e)
		out = append(out, e)
	}
	return out, nil
}

func fnToArray(_ *callNode, _ *Env, args []any) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fnMapKeys(_ *callNode, _ *Env, args []any) (any, error) {
	m, err := argMap(args, 0)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}

func fnMapValues(_ *callNode, _ *Env, args []any) (any, error) {
	m, err := argMap(args, 0)
	if err != nil {
		return nil, err
	}
	keys := sortedKeys(m)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out, nil
}

func fnToBase64(_ *callNode, _ *Env, args []any) (any, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnFromBase64(_ *callNode, _ *Env, args []any) (any, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errorf("invalid base64: %v", err)
	}
	return string(b), nil
}

func fnStringToJSON(_ *callNode, _ *Env, args []any) (any, error) {
	s, err := argString(args, 0)
	if err != nil {
		return nil, err
	}
	v, err := value.Decode([]byte(s))
	if err != nil {
		return nil, errorf("invalid JSON: %v", err)
	}
	return v, nil
}

func fnJSONToString(_ *callNode, _ *Env, args []any) (any, error) {
	b, err := value.Encode(args[0])
	if err != nil {
		return nil, errorf("%v", err)
	}
	return string(b), nil
}

func fnJSONMerge(_ *callNode, _ *Env, args []any) (any, error) {
	a, b, err := argPair(args, argMap)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func fnHash(_ *callNode, _ *Env, args []any) (any, error) {
	s, alg, err := argPair(args, argString)
	if err != nil {
		return nil, err
	}
	var sum []byte
	switch alg {
	case "MD5":
		h := md5.Sum([]byte(s))
		sum = h[:]
	case "SHA-1":
		h := sha1.Sum([]byte(s))
		sum = h[:]
	case "SHA-256":
		h := sha256.Sum256([]byte(s))
		sum = h[:]
	case "SHA-512":
		h := sha512.Sum512([]byte(s))
		sum = h[:]
	default:
		return nil, errorf("unknown algorithm %q (want MD5, SHA-1, SHA-256 or SHA-512)", alg)
	}
	return hex.EncodeToString(sum), nil
}

func fnUUID(_ *callNode, env *Env, _ []any) (any, error) {
	if env.Runtime != nil && env.Runtime.UUID != nil {
		return env.Runtime.UUID(), nil
	}
	return NewUUID(), nil
}
