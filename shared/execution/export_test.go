package execution

import (
	"context"
	"fmt"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// ParsedFlow is parse, for tests: the parsed definition of a flow version,
// from the cache when that version was parsed before.
func (s *Service) ParsedFlow(flowID, name string, mode flow.Mode, def string) (*flow.Flow, error) {
	return s.parse(flowID, name, mode, def)
}

// ParseCacheLen is how many parsed flow versions the cache holds.
func (s *Service) ParseCacheLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parsed)
}

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
