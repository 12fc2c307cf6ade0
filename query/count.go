package query

// A search is counted exactly up to ExactCountLimit matches: the read
// model stops counting at the one after. Beyond it the total is an
// estimate, so that a search matching most of a million customers costs
// a bounded count, not a scan of them all.
const ExactCountLimit = 10_000

// EstimateSample is how many customers of the scope a read model looks at,
// in its index order, to estimate the matches of a search beyond
// ExactCountLimit.
const EstimateSample = 2_000

// EstimateTotal extrapolates the matches of a search in a scope of
// scopeCount customers from a sample of sampled of them, matched of which
// matched. It is never below ExactCountLimit+1, which the exact count
// reached, nor above scopeCount.
func EstimateTotal(scopeCount, sampled, matched int) int {
	floor := ExactCountLimit + 1
	if sampled <= 0 {
		return max(floor, scopeCount)
	}
	est := int(int64(scopeCount) * int64(matched) / int64(sampled))
	return max(floor, min(est, scopeCount))
}
