package execution

import "github.com/cloudflow-oss/cloudflow/shared/flow"

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
