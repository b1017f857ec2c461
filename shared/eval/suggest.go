package eval

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to name for a "did you mean" hint:
// one that differs only in letter case, or else the one with the smallest
// edit distance when that distance is small for the name's length (at most
// a third of it, and at least 1). It returns "" when none is near.
func Closest(name string, candidates []string) string {
	best, bestD := "", -1
	limit := max(1, utf8.RuneCountInString(name)/3)
	for _, c := range candidates {
		if c == name {
			continue
		}
		if strings.EqualFold(c, name) {
			return c
		}
		if d := editDistance(name, c); d <= limit && (bestD < 0 || d < bestD || (d == bestD && c < best)) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (adjacent transpositions
// count one) of a and b, in runes.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}

// didYouMean returns "; did you mean X?" for the candidate nearest to name,
// or "".
func didYouMean(name string, candidates []string) string {
	if c := Closest(name, candidates); c != "" {
		return fmt.Sprintf("; did you mean %s?", c)
	}
	return ""
}

// functionNames lists the built-in functions, sorted.
func functionNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// rootNames lists the variables of the new language, or of the legacy one.
func rootNames(legacy bool) []string {
	if legacy {
		return []string{"$input", "$local", "$context"}
	}
	return []string{"$Input", "$Output", "$Context", "$Global", "$Item"}
}

// parserToken matches expr-lang's "unexpected token Kind("value")".
var parserToken = regexp.MustCompile(`^unexpected token (\w+)(?:\((.*)\))?$`)

// plainSyntax rewrites a message of the expression parser in plain words.
// src is the source and pos the byte offset of the error; it returns the
// message and the offset to report.
func plainSyntax(src, msg string, pos int) (string, int) {
	switch msg {
	case "literal not terminated":
		if open := lastQuote(src); open >= 0 {
			return fmt.Sprintf("missing the closing %c of the string that starts here", src[open]), open
		}
		return "missing the closing quote of a string", pos
	case "expected name":
		return `missing a member name after "."`, pos
	}
	m := parserToken.FindStringSubmatch(msg)
	if m == nil {
		return msg, pos
	}
	kind, text := m[1], strings.Trim(m[2], `"`)
	if kind == "EOF" {
		if open, closer := unclosed(src); open >= 0 {
			if call := callBefore(src, open); call != "" {
				return fmt.Sprintf("missing %q to close %q", closer, call+"("), len(src)
			}
			return fmt.Sprintf("missing %q", closer), len(src)
		}
		return "the expression ends too early: an operand is missing", len(src)
	}
	switch {
	case kind == "Bracket" && strings.ContainsAny(text, ")]}"):
		return fmt.Sprintf("unexpected %q: nothing to close here", text), pos
	case kind == "Operator" && text == "=":
		return `unexpected "=": compare with ==`, pos
	case kind == "Operator" && text == ",":
		return `unexpected ",": a value is missing`, pos
	case kind == "Identifier" || kind == "String" || kind == "Number":
		return fmt.Sprintf("unexpected %s: a comma or an operator is missing before it", quoteToken(kind, text)), pos
	}
	return fmt.Sprintf("unexpected %q", text), pos
}

func quoteToken(kind, text string) string {
	switch kind {
	case "String":
		return "string " + strconvQuote(text)
	case "Number":
		return "number " + text
	}
	return "name " + strconvQuote(text)
}

func strconvQuote(s string) string { return `"` + s + `"` }

// unclosed returns the offset of the innermost bracket of src left open
// (outside string literals) and the bracket that closes it, or -1.
func unclosed(src string) (int, string) {
	var stack []int
	closers := map[byte]string{'(': ")", '[': "]", '{': "}"}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"', '\'', '`':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			i = j
		case '(', '[', '{':
			stack = append(stack, i)
		case ')', ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return -1, ""
	}
	open := stack[len(stack)-1]
	return open, closers[src[open]]
}

// callBefore returns the function name right before the bracket at open,
// or "".
func callBefore(src string, open int) string {
	if src[open] != '(' {
		return ""
	}
	i := open
	for i > 0 && (isIdentByte(src[i-1])) {
		i--
	}
	return src[i:open]
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// lastQuote returns the offset of the quote that opens an unterminated
// string literal of src, or -1.
func lastQuote(src string) int {
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c != '"' && c != '\'' && c != '`' {
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != c {
			if src[j] == '\\' && c != '`' {
				j++
			}
			j++
		}
		if j >= len(src) {
			return i
		}
		i = j
	}
	return -1
}
