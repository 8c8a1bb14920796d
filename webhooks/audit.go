package webhooks

import (
	"context"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Event reasons recorded on the object of an admission request.
const (
	// ReasonAdmissionRejected means a webhook rejected a request on the object.
	ReasonAdmissionRejected = "AdmissionRejected"
	// ReasonSecurityWeakened means a webhook allowed a LeadpoetAPI update that weakens a
	// security setting, because the update gave a reason.
	ReasonSecurityWeakened = "SecurityWeakened"
)

// maxEventNoteLength keeps Event notes below the 1 KiB limit of events.k8s.io/v1.
const maxEventNoteLength = 1000

// auditor reports webhook verdicts in the log and as Events. Messages hold field paths
// and the rejected values of the checked fields, which never include Secret data.
type auditor struct {
	// recorder is nil in tests that do not check Events.
	recorder events.EventRecorder
}

// requestInfo returns the operation, user and dry-run flag of the admission request in
// ctx. A missing request, as in direct calls from tests, yields empty values.
func requestInfo(ctx context.Context) (operation, username string, dryRun bool) {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return "", "", false
	}
	return string(req.Operation), req.UserInfo.Username, req.DryRun != nil && *req.DryRun
}

// verdict returns the validator's result for errs and warnings. A rejection is logged,
// recorded as an Event unless the request is a dry run, and returned as a status error
// that lists every violation as a cause. A create or update gets Invalid (422), because
// its content is at fault. A delete gets Forbidden (403), because only the requester is.
func (a *auditor) verdict(ctx context.Context, obj client.Object, kind schema.GroupKind,
	errs field.ErrorList, warnings []string) (admission.Warnings, error) {
	if len(errs) == 0 {
		return warnings, nil
	}
	operation, username, dryRun := requestInfo(ctx)
	message := errs.ToAggregate().Error()
	// The request logger already carries the user, object and request ID.
	logf.FromContext(ctx).Info("Rejected admission request", "operation", operation,
		"dryRun", dryRun, "violations", len(errs), "reason", message)
	if !dryRun {
		a.record(obj, corev1.EventTypeWarning, ReasonAdmissionRejected, operation,
			fmt.Sprintf("%s by %s rejected: %s", operation, username, message))
	}
	return warnings, rejection(kind, obj.GetName(), operation, errs)
}

// rejection builds the status error for errs. Only the reason, code and message differ
// between operations, so clients read the field causes the same way for all of them.
func rejection(kind schema.GroupKind, name, operation string, errs field.ErrorList) error {
	invalid := apierrors.NewInvalid(kind, name, errs)
	if operation != string(admissionv1.Delete) {
		return invalid
	}
	invalid.ErrStatus.Reason = metav1.StatusReasonForbidden
	invalid.ErrStatus.Code = http.StatusForbidden
	invalid.ErrStatus.Message = fmt.Sprintf("%s %q is forbidden: %s", kind.String(), name,
		errs.ToAggregate().Error())
	return invalid
}

func (a *auditor) record(obj client.Object, eventType, reason, action, note string) {
	if a.recorder == nil {
		return
	}
	if len(note) > maxEventNoteLength {
		note = note[:maxEventNoteLength-len("…")] + "…"
	}
	// The note goes through as an argument so that a % in a field value is not read as
	// a format verb.
	a.recorder.Eventf(obj, nil, eventType, reason, action, "%s", note)
}
