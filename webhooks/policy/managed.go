package policy

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Operation is the kind of write an admission request makes.
type Operation string

// Operations that the managed-object rules distinguish.
const (
	OperationCreate Operation = "CREATE"
	OperationUpdate Operation = "UPDATE"
	OperationDelete Operation = "DELETE"
)

// Write describes a create, update or delete of an object the operator manages, with
// the facts about its owner that the webhook looked up.
type Write struct {
	Operation Operation
	// Username is the requesting user, from the admission request.
	Username string
	// OwnerGone is true when the owning LeadpoetAPI does not exist or is being deleted.
	OwnerGone bool
	// NamespaceTerminating is true when the object's namespace is being deleted.
	NamespaceTerminating bool
}

// IsManaged reports whether the operator manages obj.
func IsManaged(obj metav1.Object) bool {
	return obj.GetLabels()[LabelManagedBy] == ManagedByValue
}

// IsCleanupUser reports whether username is one of the controller-manager loops that
// may update managed objects once their owner is gone. The webhook looks up
// Write.OwnerGone and Write.NamespaceTerminating for these users' updates and deletes,
// and Write.OwnerGone for every delete.
func (c Config) IsCleanupUser(username string) bool {
	return slices.Contains(c.GarbageCollectorUsernames, username) ||
		slices.Contains(c.NamespaceControllerUsernames, username)
}

// ValidateManagedWrite rejects a create, update or delete of a managed object by anyone
// but the operator, with these exceptions:
//   - Anyone may delete the object once its owner is gone. Otherwise an object orphaned
//     by kubectl delete --cascade=orphan, or left behind on a cluster without a garbage
//     collector, could be deleted by nobody, since the operator only deletes objects
//     whose owner it still reconciles.
//   - The garbage collector may update once the owner is gone, because it removes owner
//     references when it orphans an object.
//   - The namespace controller may update once the owner is gone or the namespace is
//     terminating, and may delete while the namespace is terminating.
//
// Neither loop creates objects, so a create is the operator's alone: an object that
// someone else labelled as managed could afterwards be changed by nobody but the
// operator, which does not know it. kind names the object in the message, such as
// "NetworkPolicy".
func ValidateManagedWrite(obj metav1.Object, kind string, write Write, cfg Config) field.ErrorList {
	if !IsManaged(obj) || cfg.isOperator(write.Username) {
		return nil
	}
	path := field.NewPath("metadata", "labels").Key(LabelManagedBy)
	if write.Operation == OperationCreate {
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
			"only the operator may create a %s with %s=%s, because nobody else could update "+
				"or delete it afterwards; remove the label or set another value", kind,
			LabelManagedBy, ManagedByValue))}
	}
	switch {
	case write.Operation == OperationDelete && write.OwnerGone:
		return nil
	case slices.Contains(cfg.GarbageCollectorUsernames, write.Username) && write.OwnerGone:
		return nil
	case slices.Contains(cfg.NamespaceControllerUsernames, write.Username) &&
		(write.OwnerGone || write.NamespaceTerminating):
		return nil
	case cfg.IsCleanupUser(write.Username):
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
			"this %s belongs to a LeadpoetAPI that still exists; it can be %sd only after "+
				"the LeadpoetAPI is deleted", kind, operationVerb(write.Operation)))}
	case write.Operation == OperationDelete:
		return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
			"this %s is managed by %s and its owner %s still exists; change that "+
				"LeadpoetAPI instead, or delete it, which deletes this %s too",
			kind, ManagedByValue, ownerName(obj), kind))}
	}
	return field.ErrorList{field.Forbidden(path, fmt.Sprintf(
		"this %s is managed by %s and only the operator may update it; change the "+
			"LeadpoetAPI that owns it instead", kind, ManagedByValue))}
}

// ownerName names the LeadpoetAPI that owns obj, for messages.
func ownerName(obj metav1.Object) string {
	for _, ref := range obj.GetOwnerReferences() {
		if ref.Kind == "LeadpoetAPI" {
			return fmt.Sprintf("LeadpoetAPI %q", ref.Name)
		}
	}
	return "LeadpoetAPI"
}

// isOperator reports whether username is the operator's. An unset OperatorUsername
// matches no user, so a request without a username is never taken for the operator's.
func (c Config) isOperator(username string) bool {
	return c.OperatorUsername != "" && username == c.OperatorUsername
}

func operationVerb(operation Operation) string {
	if operation == OperationDelete {
		return "delete"
	}
	return "update"
}
