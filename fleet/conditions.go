package fleet

import (
	"strings"
	"unicode"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ferrycd/ferry/reconciler"
)

// Condition reasons of a project that the fleet knows of itself; the
// others come from the project's status branch (status.Reason*).
const (
	ReasonSuspended = "Suspended"
	ReasonFirstPass = "FirstPass"
	// ReasonNotReady is the reason of a loop that is not ready and does
	// not name why in a word.
	ReasonNotReady = "NotReady"
)

// Conditions are the project's conditions as the fleet observes them:
// those of its status branch, corrected by what the loop knows since (the
// remote refused the credentials, a pass is stuck), and, before ferry
// wrote a status, whether the first pass is under way. A suspended
// project is not ready. Conditions carry no time or generation.
func (o Observation) Conditions() []metav1.Condition {
	cond := func(typ string, s metav1.ConditionStatus, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg}
	}
	switch {
	case !o.Running:
		return []metav1.Condition{cond(meta.ReadyCondition, metav1.ConditionFalse, ReasonSuspended, "the project is suspended")}
	case o.Summary == nil:
		out := []metav1.Condition{cond(meta.ReconcilingCondition, metav1.ConditionTrue, ReasonFirstPass, "ferry has not written the project's status yet")}
		if o.Why != "" && o.Why != reconciler.NoPassYet {
			return append(out, cond(meta.ReadyCondition, metav1.ConditionFalse, ReasonOf(o.Why), o.Why))
		}
		return append(out, cond(meta.ReadyCondition, metav1.ConditionUnknown, ReasonFirstPass, "the first pass has not finished"))
	}
	var out []metav1.Condition
	for _, c := range o.Summary.Conditions {
		if c.Type == meta.ReadyCondition && !o.Ready && o.Why != "" {
			continue
		}
		out = append(out, cond(c.Type, metav1.ConditionStatus(c.Status), string(c.Reason), c.Message))
	}
	if !o.Ready && o.Why != "" {
		out = append(out, cond(meta.ReadyCondition, metav1.ConditionFalse, ReasonOf(o.Why), o.Why))
	}
	return out
}

// ReasonOf is the reason a loop's readiness names ("AuthenticationFailed:
// …"), else ReasonNotReady.
func ReasonOf(why string) string {
	if r, _, ok := strings.Cut(why, ":"); ok && r != "" && !strings.ContainsAny(r, " \t") && unicode.IsUpper(rune(r[0])) {
		return r
	}
	return ReasonNotReady
}
