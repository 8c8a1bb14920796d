package controllers

import (
	"encoding/json"
	"fmt"
)

// convertVia copies a core API value into its apply-configuration twin through JSON.
// Both types share one JSON schema, so the copy is exact; it saves hand-written
// converters for user-supplied structures such as affinity and env.
func convertVia[T any](in any) (*T, error) {
	data, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", in, err)
	}
	out := new(T)
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("decoding %T into %T: %w", in, out, err)
	}
	return out, nil
}
