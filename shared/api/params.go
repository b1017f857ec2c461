package api

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// NamePattern is the naming rule for flows and executions (reference 2.5).
const NamePattern = `^[A-Za-z_][A-Za-z0-9_-]{0,127}$`

var nameRE = regexp.MustCompile(NamePattern)

// Limits of parameters (reference 2.5, 4.6, 10.2, 10.3).
const (
	maxNameLen     = 128
	maxSyncNameLen = 165 // {ExecutionName}:{UUID}
	MaxInputBytes  = 64 << 10
	maxErrorLen    = 128
	maxCauseLen    = 4096
	// maxTokenLen bounds a task token (TaskToken, CallbackFnFTaskToken):
	// an encoded record of names and ids, far shorter in practice.
	maxTokenLen       = 4096
	maxWaitSeconds    = 60
	defaultLimit      = 60
	maxFlowsLimit     = 1000
	maxExecutionLimit = 100
	maxHistoryLimit   = 1000
)

// params reads and validates operation parameters. Each method returns an
// *Error naming the parameter.
type params struct{ v url.Values }

func (p params) get(name string) string { return p.v.Get(name) }

// has reports whether name was sent (even empty).
func (p params) has(name string) bool { _, ok := p.v[name]; return ok }

// required returns a non-empty parameter or MissingRequiredParams.
func (p params) required(name string) (string, error) {
	s := p.v.Get(name)
	if s == "" {
		return "", missing(name)
	}
	return s, nil
}

// newName returns a client-supplied name of a resource being created; it
// must match NamePattern. Empty is allowed unless required.
func (p params) newName(name string, required bool) (string, error) {
	s := p.v.Get(name)
	if s == "" {
		if required {
			return "", missing(name)
		}
		return "", nil
	}
	if !nameRE.MatchString(s) {
		return "", InvalidArgument(fmt.Sprintf("%s must match %s.", name, NamePattern))
	}
	return s, nil
}

// lookupName returns a required name used to find a resource: present and
// 1 to maxLen characters.
func (p params) lookupName(name string, maxLen int) (string, error) {
	s, err := p.required(name)
	if err != nil {
		return "", err
	}
	if utf8.RuneCountInString(s) > maxLen {
		return "", InvalidArgument(fmt.Sprintf("%s must be 1 to %d characters long.", name, maxLen))
	}
	return s, nil
}

// length returns an optional parameter that, when sent, has min to max
// characters.
func (p params) length(name string, lo, hi int) (string, error) {
	if !p.has(name) {
		return "", nil
	}
	s := p.v.Get(name)
	if n := utf8.RuneCountInString(s); n < lo || n > hi {
		return "", InvalidArgument(fmt.Sprintf("%s must be %d to %d characters long.", name, lo, hi))
	}
	return s, nil
}

// token returns a required task token of at most maxTokenLen characters.
func (p params) token(name string) (string, error) {
	if _, err := p.required(name); err != nil {
		return "", err
	}
	return p.length(name, 1, maxTokenLen)
}

// pageToken returns an optional NextToken that names the next resource of a
// listing (a flow, execution or alias name): at most maxLen characters.
func (p params) pageToken(maxLen int) (string, error) {
	return p.length("NextToken", 0, maxLen)
}

// qualifier returns an optional Qualifier: a version number or an alias name
// (NamePattern).
func (p params) qualifier() (string, error) {
	s := p.v.Get("Qualifier")
	if s == "" {
		return "", nil
	}
	if _, ok := execution.ParseVersion(s); !ok && !nameRE.MatchString(s) {
		return "", InvalidArgument("Qualifier must be a version number or an alias name matching " + NamePattern + ".")
	}
	return s, nil
}

// version returns a FlowVersion: a positive decimal version number without
// leading zeros. Empty is allowed unless required.
func (p params) version(name string, required bool) (string, error) {
	s := p.v.Get(name)
	if s == "" {
		if required {
			return "", missing(name)
		}
		return "", nil
	}
	if _, ok := execution.ParseVersion(s); !ok {
		return "", InvalidArgument(name + ` must be a version number such as "1".`)
	}
	return s, nil
}

// validUTF8 rejects a parameter whose value is not valid UTF-8, naming the
// first one in byte order; the service would otherwise store U+FFFD in its
// place.
func (p params) validUTF8() error {
	bad, found := "", false
	for name, vs := range p.v {
		for _, v := range vs {
			if !utf8.ValidString(v) && (!found || name < bad) {
				bad, found = name, true
			}
		}
	}
	if !found {
		return nil
	}
	if !utf8.ValidString(bad) {
		return InvalidArgument("A parameter name is not valid UTF-8.")
	}
	return InvalidArgument(truncate(bad) + " must be valid UTF-8.")
}

// integer returns an optional integer in lo..hi, or def when absent.
func (p params) integer(name string, def, lo, hi int) (int, error) {
	s := p.v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, InvalidArgument(fmt.Sprintf("%s must be an integer from %d to %d.", name, lo, hi))
	}
	return n, nil
}

// boolean returns an optional true/false parameter.
func (p params) boolean(name string) (bool, error) {
	switch p.v.Get(name) {
	case "", "false", "False", "FALSE":
		return false, nil
	case "true", "True", "TRUE":
		return true, nil
	}
	return false, InvalidArgument(fmt.Sprintf("%s must be true or false.", name))
}

// timestamp returns an optional RFC 3339 time.
func (p params) timestamp(name string) (time.Time, error) {
	s := p.v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, InvalidArgument(fmt.Sprintf("%s must be a UTC RFC 3339 time such as 2019-01-01T01:01:01.001Z.", name))
	}
	return t, nil
}

// input returns an optional execution Input: at most MaxInputBytes
// (EntityTooLarge) and a JSON object (InvalidArgument).
func (p params) input(name string) (string, error) {
	s := p.v.Get(name)
	if s == "" {
		return "", nil
	}
	if len(s) > MaxInputBytes {
		return "", NewError(CodeEntityTooLarge, strconv.Itoa(MaxInputBytes))
	}
	if !isJSONObject(s) {
		if e := jsonProblem(name, []byte(s), false); e != nil {
			return "", e
		}
		return "", InvalidArgument(name + " must be a JSON object.")
	}
	return s, nil
}

// object returns an optional parameter holding a JSON object, as raw JSON.
func (p params) object(name string) (json.RawMessage, error) {
	s := p.v.Get(name)
	if s == "" {
		return nil, nil
	}
	if !isJSONObject(s) {
		if jsonDepth([]byte(s)) > MaxJSONDepth {
			return nil, jsonProblem(name, []byte(s), false)
		}
		return nil, InvalidArgument(name + " must be a JSON object (as a string).")
	}
	return json.RawMessage(s), nil
}

func isJSONObject(s string) bool {
	var obj map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &obj) == nil && obj != nil
}

// routes returns a required RoutingConfigurations parameter: a JSON array
// (as a string) of 1 to maxRoutes {"Version": "<n>", "Weight": <int>}
// objects with distinct version numbers, weights from 0 to maxWeight and a
// positive total. Whether the versions exist is the service's check.
func (p params) routes(name string) ([]execution.Route, error) {
	s, err := p.required(name)
	if err != nil {
		return nil, err
	}
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if dec.Decode(&raw) != nil || dec.More() || raw == nil {
		return nil, InvalidArgument(name + ` must be a JSON array of {"Version","Weight"} objects (as a string).`)
	}
	if len(raw) < 1 || len(raw) > maxRoutes {
		return nil, InvalidArgument(fmt.Sprintf("%s must have 1 to %d entries.", name, maxRoutes))
	}
	out := make([]execution.Route, 0, len(raw))
	var total int64
	seen := map[string]bool{}
	for i, entry := range raw {
		at := fmt.Sprintf("%s[%d]", name, i)
		if entry == nil {
			return nil, InvalidArgument(at + ` must be a {"Version","Weight"} object.`)
		}
		for k := range entry {
			if k != "Version" && k != "Weight" {
				return nil, InvalidArgument(fmt.Sprintf("%s has an unknown field %s (want Version and Weight).", at, strconv.Quote(truncate(k))))
			}
		}
		var version string
		if json.Unmarshal(entry["Version"], &version) != nil {
			return nil, InvalidArgument(at + `.Version must be a version number as a string, such as "1".`)
		}
		if _, ok := execution.ParseVersion(version); !ok {
			return nil, InvalidArgument(at + `.Version must be a version number as a string, such as "1".`)
		}
		if seen[version] {
			return nil, InvalidArgument(fmt.Sprintf("%s.Version %s appears more than once.", at, version))
		}
		seen[version] = true
		var w json.Number // accepts a quoted number too, hence the first check
		if raw := entry["Weight"]; len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &w) != nil {
			return nil, InvalidArgument(fmt.Sprintf("%s.Weight must be an integer from 0 to %d.", at, maxWeight))
		}
		weight, err := strconv.ParseInt(w.String(), 10, 64)
		if err != nil || weight < 0 || weight > maxWeight {
			return nil, InvalidArgument(fmt.Sprintf("%s.Weight must be an integer from 0 to %d.", at, maxWeight))
		}
		total += weight
		out = append(out, execution.Route{Version: version, Weight: weight})
	}
	if total == 0 {
		return nil, InvalidArgument(name + " weights must add up to more than 0.")
	}
	return out, nil
}

// truncate shortens s to maxNameLen bytes for an error message.
func truncate(s string) string {
	if len(s) > maxNameLen {
		return s[:maxNameLen] + "..."
	}
	return s
}
