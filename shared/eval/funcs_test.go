package eval

import (
	"errors"
	"reflect"
	"regexp"
	"testing"
)

func TestExpr_Eval_Functions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want any
	}{
		// Documented examples of reference 5.2.
		{"format doc", `format("hi {}", "Ann")`, "hi Ann"},
		{"length string doc", `length("name")`, int64(4)},
		{"length map doc", `length({"a":1,"b":2})`, int64(2)},
		{"regexMatchString doc", `regexMatchString("ab12", "[0-9]+")`, true},
		{"split doc", `split("a,b", ",")`, []any{"a", "b"}},
		{"get doc", `get([5,6], 1)`, int64(6)},
		{"intAdd doc", `intAdd(2, 3)`, int64(5)},
		{"arrayContains doc", `arrayContains(["Tom",10], 10)`, true},
		{"arrayUnique doc", `arrayUnique([1,2,3,1])`, []any{int64(1), int64(2), int64(3)}},
		{"toArray doc", `toArray(1, "a")`, []any{int64(1), "a"}},
		{"mapKeys doc", `mapKeys({"b":1,"a":2})`, []any{"a", "b"}},
		{"mapValues doc", `mapValues({"b":1,"a":2})`, []any{int64(2), int64(1)}},
		{"toBase64 doc", `toBase64("FnF")`, "Rm5G"},
		{"fromBase64 doc", `fromBase64("Rm5G")`, "FnF"},
		{"stringToJson doc", `stringToJson('{"age":10}')`, map[string]any{"age": int64(10)}},
		{"fromJSON alias", `fromJSON('{"age":10}')`, map[string]any{"age": int64(10)}},
		{"jsonToString doc", `jsonToString({"b":1,"a":2})`, `{"a":2,"b":1}`},
		{"toJSON alias", `toJSON({"b":1,"a":2})`, `{"a":2,"b":1}`},
		{"jsonMerge doc", `jsonMerge({"n":"Tom","age":10},{"n":"Tom","city":"bj"})`, map[string]any{"n": "Tom", "age": int64(10), "city": "bj"}},
		{"hash MD5 doc", `hash("abc","MD5")`, "900150983cd24fb0d6963f7d28e17f72"},
		// Further cases (expected values from the algorithms' published test vectors).
		{"hash SHA-1", `hash("abc","SHA-1")`, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{"hash SHA-256", `hash("abc","SHA-256")`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"hash SHA-512", `hash("abc","SHA-512")`, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"format json args", `format("{} and {}", 1, {"a":[true,null]})`, `1 and {"a":[true,null]}`},
		{"format extra args ignored", `format("x{}", "a", "b")`, "xa"},
		{"format no placeholder", `format("plain")`, "plain"},
		{"length unicode", `length("héllo")`, int64(5)},
		{"length array", `length([1,2,3])`, int64(3)},
		{"length path", `length($Input.arr)`, int64(3)},
		{"regex no match", `regexMatchString("abc", "[0-9]")`, false},
		{"regex unanchored", `regexMatchString("xxabcxx", "abc")`, true},
		{"regex dynamic pattern", `regexMatchString($Input.s, $Input.s)`, true},
		{"split none", `split("abc", ",")`, []any{"abc"}},
		{"get map", `get({"a":1}, "a")`, int64(1)},
		{"get missing key", `get({"a":1}, "b")`, nil},
		{"get missing index", `get([1], 5)`, nil},
		{"get negative index", `get([1], -1)`, nil},
		{"intAdd negative", `intAdd(-2, 3)`, int64(1)},
		{"intAdd integral float", `intAdd(2.0, 3)`, int64(5)},
		{"arrayContains deep", `arrayContains([{"a":[1]}], {"a":[1.0]})`, true},
		{"arrayContains absent", `arrayContains([1,2], 3)`, false},
		{"arrayUnique mixed", `arrayUnique([1, 1.0, "1", {"a":1}, {"a":1}, null, null])`, []any{int64(1), "1", map[string]any{"a": int64(1)}, nil}},
		{"toArray none", `toArray()`, []any{}},
		{"jsonMerge right wins", `jsonMerge({"a":1},{"a":2})`, map[string]any{"a": int64(2)}},
		{"jsonMerge paths", `jsonMerge($Input.a, $Item)`, map[string]any{"b": "deep", "id": int64(7)}},
		{"round trip", `stringToJson(jsonToString($Input.order))`, map[string]any{"id": "o-1", "items": []any{map[string]any{"sku": "A"}}}},
		{"nested", `length(split(format("{}-{}", "a", "b"), "-"))`, int64(2)},
		{"fromBase64 of toBase64", `fromBase64(toBase64("héllo"))`, "héllo"},
		{"randomInt injected", `randomInt(3, 9)`, int64(3)},
		{"uuid injected", `uuid()`, "00000000-0000-4000-8000-000000000000"},
	}
	env := testEnv()
	env.Runtime = &Runtime{
		RandInt: func(lo, hi int64) int64 { return lo },
		UUID:    func() string { return "00000000-0000-4000-8000-000000000000" },
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mustCompile(t, tc.src, allNew).Eval(env)
			if err != nil {
				t.Fatalf("Eval(%q) error: %v", tc.src, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Eval(%q) = %#v, want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestExpr_Eval_DefaultRuntime(t *testing.T) {
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	u := mustCompile(t, "uuid()", allNew)
	a, _ := u.Eval(nil)
	b, _ := u.Eval(nil)
	if s, ok := a.(string); !ok || !uuidRE.MatchString(s) {
		t.Errorf("uuid() = %v, want a lower-case UUID v4", a)
	}
	if a == b {
		t.Errorf("uuid() returned %v twice", a)
	}
	r := mustCompile(t, "randomInt(-2, 3)", allNew)
	for range 200 {
		v, err := r.Eval(nil)
		n, ok := v.(int64)
		if err != nil || !ok || n < -2 || n >= 3 {
			t.Fatalf("randomInt(-2, 3) = %#v, %v, want an int64 in [-2, 3)", v, err)
		}
	}
}

func TestExpr_Eval_FunctionErrors(t *testing.T) {
	for _, src := range []string{
		`format(1)`,
		`format("{} {}", "a")`,
		`length(1)`,
		`length(null)`,
		`regexMatchString(1, "a")`,
		`regexMatchString("a", $Input.n)`,
		`regexMatchString("a", $Input.badre)`,
		`split("a", 1)`,
		`get("abc", 1)`,
		`get([1], "a")`,
		`get({"a":1}, 1)`,
		`intAdd(1.5, 1)`,
		`intAdd("1", 1)`,
		`intAdd(9223372036854775807, 1)`,
		`randomInt(5, 5)`,
		`randomInt(6, 5)`,
		`randomInt("a", 5)`,
		`arrayContains("abc", "a")`,
		`arrayUnique({"a":1})`,
		`mapKeys([1])`,
		`mapValues("a")`,
		`toBase64(1)`,
		`fromBase64("!!!")`,
		`fromBase64(1)`,
		`stringToJson("{bad")`,
		`stringToJson("1 2")`,
		`stringToJson("1e400")`,
		`fromJSON('{"a":[-1e999]}')`,
		`stringToJson(1)`,
		`jsonMerge({}, [1])`,
		`jsonMerge(1, {})`,
		`hash("abc", "sha256")`,
		`hash(1, "MD5")`,
	} {
		t.Run(src, func(t *testing.T) {
			x, err := Compile(src, allNew)
			if err != nil {
				t.Fatalf("Compile(%q) error %v; wrong argument types must fail at run time", src, err)
			}
			env := testEnv()
			env.Input.(map[string]any)["badre"] = "("
			v, err := x.Eval(env)
			if !errors.Is(err, ErrExpression) {
				t.Errorf("Eval(%q) = %#v, %v, want ErrExpression", src, v, err)
			}
		})
	}
}
