package gitstore

// The trailer keys ferry writes on its commits. They are ferry's contract
// with whoever reads its history: "git log --format=%(trailers)" and the
// reconciler read the same keys. Changing one breaks reading old history.
const (
	// TrailerService names the service a commit is about.
	TrailerService = "Ferry-Service"
	// TrailerStage names the stage a commit is about.
	TrailerStage = "Ferry-Stage"
	// TrailerCandidate is the main commit a change was made for.
	TrailerCandidate = "Ferry-Candidate"
	// TrailerRun is the ID of the sequence run that made a commit.
	TrailerRun = "Ferry-Run"
	// TrailerTask names the task that made a commit, e.g. "deployment".
	TrailerTask = "Ferry-Task"
	// TrailerVerdict is an evaluation's result and score, e.g. "pass 95.5".
	TrailerVerdict = "Ferry-Verdict"
	// TrailerProblem is the ID of the problem a remediation answers.
	TrailerProblem = "Ferry-Problem"
	// TrailerSequence, on a commit on main, names the sequence its
	// candidate starts instead of the service's default (see "ferry
	// trigger"). With TrailerService, the commit is a candidate of that
	// service even when it changes no file.
	TrailerSequence = "Ferry-Sequence"
)

// FerryTrailers are ferry's trailers of a commit, by meaning. An empty
// field is a trailer the commit does not carry.
type FerryTrailers struct {
	Service, Stage, Candidate, Run, Task, Verdict, Problem, Sequence string
}

// Ferry returns ferry's trailers among t. A key that repeats counts by
// its last value, as [Trailers.Get] reads it.
func (t Trailers) Ferry() FerryTrailers {
	get := func(key string) string {
		v, _ := t.Get(key)
		return v
	}
	return FerryTrailers{
		Service:   get(TrailerService),
		Stage:     get(TrailerStage),
		Candidate: get(TrailerCandidate),
		Run:       get(TrailerRun),
		Task:      get(TrailerTask),
		Verdict:   get(TrailerVerdict),
		Problem:   get(TrailerProblem),
		Sequence:  get(TrailerSequence),
	}
}

// Trailers returns f as trailers to write, in the order of the fields,
// without the empty ones.
func (f FerryTrailers) Trailers() Trailers {
	var out Trailers
	for _, tr := range []Trailer{
		{TrailerService, f.Service},
		{TrailerStage, f.Stage},
		{TrailerCandidate, f.Candidate},
		{TrailerRun, f.Run},
		{TrailerTask, f.Task},
		{TrailerVerdict, f.Verdict},
		{TrailerProblem, f.Problem},
		{TrailerSequence, f.Sequence},
	} {
		if tr.Value != "" {
			out = append(out, tr)
		}
	}
	return out
}
