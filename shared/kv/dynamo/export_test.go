package dynamo

// MaxValueSize is maxValueSize for a valid key, for the tests.
func MaxValueSize(key string) int {
	k, err := keyOf(key)
	if err != nil {
		return -1
	}
	return maxValueSize(k)
}
