package kv

// Grouping reports whether s commits writes in groups, and the largest group.
func Grouping(s *BoltStore) (on bool, max int) {
	if s.group == nil {
		return false, 0
	}
	return true, s.group.max
}
