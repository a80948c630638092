// Package review puts ferry's plan on every open pull request into main:
// one comment, found again by a hidden marker and edited when the pull
// request or main moves, and a ferry/plan commit status on the head commit
// (failure when the head does not validate).
//
// Nothing is kept that the forge does not hold: the comment carries the
// commits it was planned for, so after a restart a plan is not posted
// again. In memory, a [Reviewer] remembers the same to spare the forge's
// API between restarts.
package review
