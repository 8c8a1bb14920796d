// Package policy holds the operator's security rules as pure functions.
//
// Each rule takes an object and the field path it sits at, and returns a
// field.ErrorList of violations and a list of admission warnings for settings that are
// risky but allowed. The admission webhooks in package webhooks apply the rules to
// requests. The LeadpoetAPI controller applies ValidateLeadpoetAPI to the objects it
// renders, so a bypassed or disabled webhook cannot weaken what the operator deploys.
//
// Rules never read Secret data and never put it into a message. Messages name the
// field path, the rejected value and the change that would make the object valid.
package policy
