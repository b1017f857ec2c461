package auth

import "context"

// DefaultAccount is the account every request acts as when no access keys are
// configured (reference 2.7).
const DefaultAccount = "default"

// Identity is the authenticated caller of one request.
type Identity struct {
	AccountID   string // owner of every flow and execution the request creates or reads
	AccessKeyID string // empty for unsigned requests
}

type ctxKey struct{}

// NewContext returns a copy of ctx carrying id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity in ctx, or the default account's identity
// (and false) when none was set.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	if !ok || id.AccountID == "" {
		return Identity{AccountID: DefaultAccount}, false
	}
	return id, true
}
