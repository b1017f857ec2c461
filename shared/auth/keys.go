package auth

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Key is one configured access key.
type Key struct {
	ID        string // AccessKeyId as the client sends it
	Secret    string // AccessKeySecret; never printed by String or in errors
	AccountID string // account the key acts as; defaults to ID
}

// String returns the key ID and account with the secret redacted.
func (k Key) String() string {
	return "Key{ID:" + k.ID + " AccountID:" + k.AccountID + " Secret:<redacted>}"
}

// GoString is like String, so %#v does not print the secret either.
func (k Key) GoString() string { return k.String() }

// Keys is an immutable set of access keys indexed by ID. The zero value holds
// no keys (the open mode of [Verifier]).
type Keys struct {
	byID map[string]Key
}

// NewKeys returns a Keys holding ks, with empty AccountIDs defaulted to the
// key ID. It returns a *KeySpecError for an empty or duplicate ID, an empty
// secret, or an ID or account with characters outside [A-Za-z0-9_.-].
func NewKeys(ks ...Key) (Keys, error) {
	out := Keys{byID: make(map[string]Key, len(ks))}
	for i, k := range ks {
		if k.AccountID == "" {
			k.AccountID = k.ID
		}
		if err := checkKey(i+1, k); err != nil {
			return Keys{}, err
		}
		if _, dup := out.byID[k.ID]; dup {
			return Keys{}, &KeySpecError{Entry: i + 1, AccessKeyID: k.ID, Reason: "duplicate access key id"}
		}
		out.byID[k.ID] = k
	}
	return out, nil
}

// ParseKeys parses the CLOUDFLOW_ACCESS_KEYS syntax: comma-separated entries
// "id:secret" or "id:secret@account". The ID ends at the first ':'; the
// account starts after the last '@' (so a secret containing '@' needs an
// explicit account). Surrounding spaces are trimmed. An empty or all-space
// spec yields no keys (open mode). Errors are *KeySpecError values that name
// the entry by position and ID and never contain the secret.
func ParseKeys(spec string) (Keys, error) {
	if strings.TrimSpace(spec) == "" {
		return Keys{}, nil
	}
	entries := strings.Split(spec, ",")
	ks := make([]Key, 0, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		n := i + 1
		if e == "" {
			return Keys{}, &KeySpecError{Entry: n, Reason: "empty entry"}
		}
		id, rest, ok := strings.Cut(e, ":")
		id = strings.TrimSpace(id)
		if !ok {
			// Without ':' the whole entry may be a secret; do not echo it.
			return Keys{}, &KeySpecError{Entry: n, Reason: `missing ':' between access key id and secret`}
		}
		k := Key{ID: id, Secret: rest}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			k.Secret, k.AccountID = rest[:at], strings.TrimSpace(rest[at+1:])
			if k.AccountID == "" {
				return Keys{}, &KeySpecError{Entry: n, AccessKeyID: safeID(id), Reason: "empty account after '@'"}
			}
		}
		k.Secret = strings.TrimSpace(k.Secret)
		ks = append(ks, k)
	}
	return NewKeys(ks...)
}

// checkKey validates one key; n is its 1-based position for the error.
func checkKey(n int, k Key) error {
	switch {
	case k.ID == "":
		return &KeySpecError{Entry: n, Reason: "empty access key id"}
	case !validName(k.ID):
		return &KeySpecError{Entry: n, AccessKeyID: safeID(k.ID), Reason: "access key id may contain only letters, digits, '_', '.' and '-'"}
	case k.Secret == "":
		return &KeySpecError{Entry: n, AccessKeyID: k.ID, Reason: "empty secret"}
	case !validName(k.AccountID):
		return &KeySpecError{Entry: n, AccessKeyID: k.ID, Reason: "account may contain only letters, digits, '_', '.' and '-' (at most 128)"}
	}
	return nil
}

// validName reports whether s is 1..128 characters of [A-Za-z0-9_.-], the
// characters that are safe in an ARN account field and in log lines.
func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// safeID returns id for an error message only when it is a plausible ID, so a
// misplaced secret is never echoed.
func safeID(id string) string {
	if validName(id) {
		return id
	}
	return ""
}

// Len returns the number of keys.
func (ks Keys) Len() int { return len(ks.byID) }

// Lookup returns the key with the given ID.
func (ks Keys) Lookup(id string) (Key, bool) {
	k, ok := ks.byID[id]
	return k, ok
}

// IDs returns the key IDs in ascending order.
func (ks Keys) IDs() []string {
	ids := make([]string, 0, len(ks.byID))
	for id := range ks.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// String lists the keys as id@account in ID order, without secrets, e.g. for
// the start-up log.
func (ks Keys) String() string {
	var b strings.Builder
	b.WriteString("[")
	for i, id := range ks.IDs() {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(id + "@" + ks.byID[id].AccountID)
	}
	b.WriteString("]")
	return b.String()
}

// GoString is like String, so %#v does not print secrets either.
func (ks Keys) GoString() string { return "auth.Keys" + ks.String() }

// KeySpecError reports a bad access key configuration entry.
type KeySpecError struct {
	Entry       int    // 1-based position in the list
	AccessKeyID string // the entry's ID when it is known and well formed
	Reason      string
}

func (e *KeySpecError) Error() string {
	s := "access keys: entry " + strconv.Itoa(e.Entry)
	if e.AccessKeyID != "" {
		s += fmt.Sprintf(" (%q)", e.AccessKeyID)
	}
	return s + ": " + e.Reason
}
