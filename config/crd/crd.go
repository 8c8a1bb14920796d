// Package crd embeds the operator's generated CustomResourceDefinitions, so that
// envtest suites in other modules can install them without knowing this repository's
// layout.
package crd

import (
	"bytes"
	"embed"
	"fmt"
	"io"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

//go:embed bases/*.yaml
var bases embed.FS

// CustomResourceDefinitions returns the operator's CRDs, ready for
// envtest.Environment.CRDs.
func CustomResourceDefinitions() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	entries, err := bases.ReadDir("bases")
	if err != nil {
		return nil, fmt.Errorf("listing embedded CRDs: %w", err)
	}
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, entry := range entries {
		data, err := bases.ReadFile("bases/" + entry.Name())
		if err != nil {
			return nil, fmt.Errorf("reading embedded CRD %s: %w", entry.Name(), err)
		}
		decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
		for {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := decoder.Decode(crd); err == io.EOF {
				break
			} else if err != nil {
				return nil, fmt.Errorf("decoding embedded CRD %s: %w", entry.Name(), err)
			}
			if crd.Name != "" {
				crds = append(crds, crd)
			}
		}
	}
	return crds, nil
}
