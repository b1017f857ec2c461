package flow

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// ruleSyntax is how one FDL format spells its Retry and Catch rules. The
// two formats share the rules' meaning and checks (reference 6 and 8.1);
// they differ in spelling, in which fields are required and in defaults.
type ruleSyntax struct {
	retry, catch         string // the list fields
	retryWhat, catchWhat string // how messages name one rule
	errors, next         string // the error list and the Catch target
	attempts, interval   string
	rate, maxBackoff     string
	required             bool  // attempts and interval must be present
	described            bool  // Description, and a Catch OutputConstructor
	defaults             Retry // the values of absent fields
}

// newRules and legacyRules are the two spellings.
var (
	newRules = ruleSyntax{
		retry: "Retry", catch: "Catch", retryWhat: "a Retry rule", catchWhat: "a Catch rule",
		errors: "Errors", next: "Next", attempts: "MaxAttempts", interval: "IntervalSeconds",
		rate: "BackoffRate", maxBackoff: "MaxBackoffSeconds", required: true, described: true,
		defaults: Retry{BackoffRate: 1},
	}
	legacyRules = ruleSyntax{
		retry: "retry", catch: "catch", retryWhat: "a retry rule", catchWhat: "a catch rule",
		errors: "errors", next: "goto", attempts: "maxAttempts", interval: "intervalSeconds",
		rate: "multiplier", maxBackoff: "maxIntervalSeconds",
		defaults: Retry{
			MaxAttempts: legacyRetryAttempts, Interval: legacyRetryInterval * time.Second,
			BackoffRate: legacyRetryMultiplier, MaxBackoff: legacyRetryMaxInterval * time.Second, HasMaxBackoff: true,
		},
	}
)

// rules reads the Retry and Catch lists of m into st and returns the Catch
// targets.
func (p *parser) rules(path string, m *mapping, st *State, syn ruleSyntax) []target {
	if rn := m.lookup(syn.retry); rn != nil {
		if rn.Kind != yaml.SequenceNode {
			p.add(path+"."+syn.retry, rn, "%s must be a list", syn.retry)
		} else {
			for i, r := range rn.Content {
				if rule, ok := p.retry(fmt.Sprintf("%s.%s[%d]", path, syn.retry, i), r, syn); ok {
					st.Retry = append(st.Retry, rule)
				}
			}
		}
	}
	cn := m.lookup(syn.catch)
	if cn == nil {
		return nil
	}
	if cn.Kind != yaml.SequenceNode {
		p.add(path+"."+syn.catch, cn, "%s must be a list", syn.catch)
		return nil
	}
	var targets []target
	st.Catch = make([]Catch, len(cn.Content))
	for i, c := range cn.Content {
		cp := fmt.Sprintf("%s.%s[%d]", path, syn.catch, i)
		if t, ok := p.catch(cp, c, &st.Catch[i], syn); ok {
			targets = append(targets, t)
		}
	}
	return targets
}

// catch reads one Catch rule into rule and returns its target.
func (p *parser) catch(path string, n *yaml.Node, rule *Catch, syn ruleSyntax) (target, bool) {
	rule.Next = NoState
	cm, ok := p.asMapping(path, n)
	if !ok {
		return target{}, false
	}
	defer p.unknown(path, syn.catchWhat, cm)
	rule.Errors, rule.matchAll = p.errorList(path, cm, syn.errors)
	if syn.described {
		rule.Output = p.template(path+".OutputConstructor", cm.get("OutputConstructor"), varsIn)
		if d := cm.get("Description"); d != nil {
			p.str(path+".Description", d)
		}
	}
	np := path + "." + syn.next
	nx := cm.get(syn.next)
	if nx == nil {
		p.add(np, n, "%s is required in %s", syn.next, syn.catchWhat)
		return target{}, false
	}
	s, ok := p.str(np, nx)
	return target{name: s, path: np, node: nx, dst: &rule.Next}, ok
}

// errorList reads the error-name list field (Errors, or errors in legacy
// flows) of a Retry or Catch rule and reports whether it holds ErrorAll.
func (p *parser) errorList(path string, m *mapping, field string) ([]string, bool) {
	en := m.get(field)
	if en == nil {
		p.add(path+"."+field, m.node, "%s is required", field)
		return nil, false
	}
	list, _ := p.strList(path+"."+field, en)
	if en.Kind == yaml.SequenceNode && len(en.Content) == 0 {
		p.add(path+"."+field, en, "%s must not be empty", field)
	}
	return list, contains(list, ErrorAll)
}

// intBetween reads the integer field of m, which must lie in [lo, hi]. It
// returns false, reporting an issue, when the field is not such an integer,
// and false without an issue when the field is absent.
func (p *parser) intBetween(path string, m *mapping, field string, lo, hi int64) (int64, bool) {
	v := m.get(field)
	if v == nil {
		return 0, false
	}
	x, ok := p.integer(path+"."+field, v)
	if !ok {
		return 0, false
	}
	if x < lo || x > hi {
		p.add(path+"."+field, v, "%s must be between %d and %d", field, lo, hi)
		return 0, false
	}
	return x, true
}

// rate reads the number field of m (a backoff multiplier), which must be at
// least 1, like intBetween.
func (p *parser) rate(path string, m *mapping, field string) (float64, bool) {
	v := m.get(field)
	if v == nil {
		return 0, false
	}
	x, ok := p.number(path+"."+field, v)
	if !ok {
		return 0, false
	}
	if x < 1 {
		p.add(path+"."+field, v, "%s must be at least 1", field)
		return 0, false
	}
	return x, true
}

// retry reads one Retry rule.
func (p *parser) retry(path string, n *yaml.Node, syn ruleSyntax) (Retry, bool) {
	r := syn.defaults
	m, ok := p.asMapping(path, n)
	if !ok {
		return r, false
	}
	r.Errors, r.matchAll = p.errorList(path, m, syn.errors)
	for _, f := range []string{syn.attempts, syn.interval} {
		if syn.required && m.lookup(f) == nil {
			p.add(path+"."+f, n, "%s is required", f)
		}
	}
	if x, ok := p.intBetween(path, m, syn.attempts, 0, maxRetryAttempts); ok {
		r.MaxAttempts = int(x)
	}
	if x, ok := p.intBetween(path, m, syn.interval, 0, maxIntervalSeconds); ok {
		r.Interval = time.Duration(x) * time.Second
	}
	if x, ok := p.rate(path, m, syn.rate); ok {
		r.BackoffRate = x
	}
	if x, ok := p.intBetween(path, m, syn.maxBackoff, 1, maxBackoffSeconds); ok {
		r.MaxBackoff, r.HasMaxBackoff = time.Duration(x)*time.Second, true
	}
	if d := m.get("Description"); d != nil && syn.described {
		p.str(path+".Description", d)
	}
	p.unknown(path, syn.retryWhat, m)
	return r, true
}

// maxRetryAttempts bounds MaxAttempts so that a definition cannot ask for an
// unbounded number of retries. The reference gives no maximum; the engine's
// history-event limit would end such a run anyway.
const maxRetryAttempts = 1000
