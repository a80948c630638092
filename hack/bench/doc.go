// Command bench measures ferry against the baselines its design is judged
// by, in one process, and prints ratios. It is run by "make bench", never by
// the tests.
//
// # gitstore
//
// write: on a repository with 5,000 files and 10,000 commits, 1,000
// single-file commits on a branch, pushed (once at the end, and once per
// commit), by gitstore and by the mechanism other promotion tools use: a
// worktree with git add, git commit and git push. Both push to the same kind
// of bare repository through git receive-pack.
//
// read: reading a file at the tip of a repository with 100 and with 100,000
// commits of history; the cost must not depend on the history's length.
//
// # evaluator
//
// 1,000 evaluations of a 10-objective SLO against the embedded Prometheus
// (and 200 more with each query answered 2ms later, as across a network):
// evaluations and queries per second with ferry's concurrent retrieval,
// against the same queries one after another (the baseline), and the cost
// of scoring alone.
//
// # fleet
//
// One process delivering 200 projects of 20 services each (ferry run
// --config, ferry controller): the idle pass of a project in the fleet
// against the same pass when the process holds that project alone (the
// baseline), and the heap and resident memory the projects take.
package main
