//go:build noaws || noalibaba

package app

import "fmt"

// notBuilt reports that what needs the SDKs a build tag left out.
func notBuilt(what, tag string) error {
	return fmt.Errorf("%s: %w (built with -tags %s)", what, ErrNotBuilt, tag)
}
