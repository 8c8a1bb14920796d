package secretsync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
)

// HashData returns a stable hash of what the results write, for a pod-template
// annotation that rolls the pods when synced data changes. Results with Err are
// skipped, so call it only when every result succeeded and keep the previous
// annotation otherwise, because the Secrets then keep their previous data too.
//
// The hash covers each entry's name, target Secret, secret reference, key, property,
// fanOut, Secrets Manager version id and the keys written, not the values. A version
// id never changes value, so those inputs fix the data, and the pod template never
// carries a digest of a secret that someone could test guesses against.
func HashData(results []Result) string {
	sorted := make([]Result, 0, len(results))
	for _, r := range results {
		if r.Err == nil {
			sorted = append(sorted, r)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })

	h := sha256.New()
	for _, r := range sorted {
		keys := make([]string, 0, len(r.Data))
		for key := range r.Data {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		// Length prefixes keep field boundaries unambiguous.
		for _, part := range append([]string{r.Name, r.SecretName, r.selection, r.VersionID}, keys...) {
			_, _ = fmt.Fprintf(h, "%d:", len(part))
			_, _ = io.WriteString(h, part)
		}
		_, _ = io.WriteString(h, ";")
	}
	return hex.EncodeToString(h.Sum(nil))
}
