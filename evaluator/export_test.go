package evaluator

// Verdict exposes the total computation for Keptn's case 7, which starts
// from points rather than values.
func Verdict(objectives int, points, maxPoints float64, keyFailed bool, total *TotalScore) (float64, string) {
	score, result, _ := verdict(objectives, points, maxPoints, keyFailed, total)
	return score, result
}
