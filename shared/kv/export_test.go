package kv

// SetBatch chooses DB.Batch (true) or DB.Update (false) for s's writes, so
// benchmarks can compare them.
func SetBatch(s *BoltStore, on bool) { s.batch = on }
