package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// extractFunc returns the fields of live that manager owns, as an apply configuration.
// client-go and cert-manager generate one for each kind (ExtractDeployment and so on).
type extractFunc[L client.Object, A runtime.ApplyConfiguration] func(live L, manager string) (A, error)

// applyIfChanged applies desired with server-side apply unless the live object already
// contains exactly the fields the operator owns, with the desired values. Skipping the
// no-op apply keeps a resync free of writes. A field that someone else changed or took
// over still shows up as a difference, so drift is repaired. It reads the object into
// live and returns whether it existed and whether the apply was sent.
func applyIfChanged[L client.Object, A runtime.ApplyConfiguration](ctx context.Context,
	c client.Client, key types.NamespacedName, live L, desired A,
	extract extractFunc[L, A]) (found bool, wrote bool, err error) {
	err = c.Get(ctx, key, live)
	switch {
	case apierrors.IsNotFound(err):
		found = false
	case err != nil:
		return false, false, fmt.Errorf("reading %T %s: %w", live, key, err)
	default:
		found = true
		owned, err := extract(live, FieldManager)
		if err != nil {
			return found, false, fmt.Errorf("reading fields owned by %s in %T %s: %w",
				FieldManager, live, key, err)
		}
		same, err := sameApplyConfiguration(owned, desired)
		if err != nil {
			return found, false, err
		}
		if same {
			return found, false, nil
		}
	}
	if err := c.Apply(ctx, desired, client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		return found, false, err
	}
	return found, true, nil
}

// sameApplyConfiguration compares two apply configurations by their JSON form, which
// is what the API server would receive. Comparing decoded JSON makes int32 and int64
// fields, and quantities in canonical form, compare equal.
func sameApplyConfiguration(a, b runtime.ApplyConfiguration) (bool, error) {
	decodedA, err := decodeJSON(a)
	if err != nil {
		return false, err
	}
	decodedB, err := decodeJSON(b)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(decodedA, decodedB), nil
}

func decodeJSON(value any) (any, error) {
	data, err := json.Marshal(value)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", value, err)
	}
	var decoded any
	if err := json.Unmarshal(data, &decoded); err != nil {
		return nil, fmt.Errorf("decoding %T: %w", value, err)
	}
	return decoded, nil
}
