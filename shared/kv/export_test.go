package kv

// Grouping reports whether s commits writes in groups, and the largest group.
func Grouping(s *BoltStore) (on bool, max int) {
	if s.group == nil {
		return false, 0
	}
	return true, s.group.max
}

// IndexLen is how many keys s's List index holds, those of deleted items
// not yet compacted included.
func IndexLen(s *MemStore) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys)
}
