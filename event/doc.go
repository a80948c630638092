// Package event provides ferry's Keptn task events: the
// sh.keptn.event.<task>.triggered CloudEvent ferry sends to the
// subscribers of ferry.yaml when a run reaches a task it does not run
// itself (test without a duration, any external task), and the
// .started and .finished answers it accepts at /api/v1/events, which it
// turns into the same report /api/v1/reports records.
//
// # Identity
//
// An announcement is one (run, task) of a project. Its CloudEvent id and
// its triggeredid extension are the same string,
// <project>.<run>.<task index>.<task> (e.g. sockshop.r12.1.test), and its
// shkeptncontext is <project>.<run>: an answer that copies them, as
// Keptn's services do, maps back to exactly that run and task, and a
// receiver dedupes repeated announcements by triggeredid.
//
// # Delivery
//
// The loop decides what is announced: after every pass whose state is in
// Git (it pushed, or it had nothing to push), it hands the [Sender] the
// full set of waits ([Waits]). The Sender delivers each (wait,
// subscriber) once, from goroutines of its own, with retries and backoff,
// and forgets what left the set. It keeps nothing else: after a restart,
// the first pass announces every wait again.
package event
