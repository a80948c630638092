package plan

import (
	"context"

	"github.com/ferrycd/ferry/gitstore"
	"github.com/ferrycd/ferry/review"
)

// ForReview plans the pull requests a [review.Reviewer] keeps its comments
// on, from the commits in s's mirror.
func ForReview(s *gitstore.Store, opts Options) review.PlanFunc {
	return func(ctx context.Context, base, head, statusTip gitstore.Hash) (review.Plan, error) {
		return Compute(ctx, s, base, head, statusTip, opts)
	}
}
