package controllers

import (
	platformv1alpha1 "github.com/leadpoet/leadpoet-operator/api/v1alpha1"
)

const (
	// FieldManager owns every field the operator applies. One manager for all children
	// keeps ownership easy to read in managedFields and lets a release drop a field
	// simply by no longer applying it.
	FieldManager = "leadpoet-operator"

	// ManagedByValue is the app.kubernetes.io/managed-by value on every child. The
	// manager's cache selects children by it, so nothing else of that kind is cached.
	ManagedByValue = "leadpoet-operator"

	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelManagedBy = "app.kubernetes.io/managed-by"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelComponent = "app.kubernetes.io/component"

	appName = "leadpoet-api"
	partOf  = "leadpoet"
)

// LabelManagedBy is the label key that marks objects the operator manages.
const LabelManagedBy = labelManagedBy

// childLabels are the labels on every object that belongs to api. They deliberately
// leave out api's own labels and annotations: GitOps tools track the objects they
// apply by such labels, and copying them would make the children look like theirs.
func childLabels(api *platformv1alpha1.LeadpoetAPI) map[string]string {
	return map[string]string{
		labelName:      appName,
		labelInstance:  api.Name,
		labelManagedBy: ManagedByValue,
		labelPartOf:    partOf,
	}
}

// selectorLabels select api's pods. They are a subset of childLabels that never
// changes for the life of the Deployment, because a Deployment's selector is immutable.
func selectorLabels(api *platformv1alpha1.LeadpoetAPI) map[string]string {
	return map[string]string{
		labelName:     appName,
		labelInstance: api.Name,
	}
}
