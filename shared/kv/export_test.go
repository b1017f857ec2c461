package kv

// Batching reports whether s's writes go through DB.Batch, and its limits.
func Batching(s *BoltStore) (on bool, size int) { return s.batch, s.db.MaxBatchSize }
