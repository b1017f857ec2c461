package execution

import (
	"context"
	"fmt"
)

// CreateExecution stores e exactly as StartExecution's create does (the
// record and, where kept, its listing index entries) without resolving a
// flow or enqueueing a run: the listing benchmarks fill stores with it.
func (s *Service) CreateExecution(ctx context.Context, e *Execution) error {
	val, err := encodeExecution(e)
	if err != nil {
		return err
	}
	_, old, err := s.create(ctx, e, val)
	if err == nil && old != nil {
		err = fmt.Errorf("execution %q exists", e.Name)
	}
	return err
}
